"""Reading labelled CSV files: grid chat (`text,intent,category,urgent`) or tickets (`text,label`)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Labelled:
    """One labelled message; `label` is the category (or, for grid chat, the category or "chatter")."""

    text: str
    label: str
    intent: str | None = None
    category: str | None = None
    urgent: bool | None = None


INTENTS = ("request", "chatter")
_URGENT = {"1": True, "0": False, "": False, "true": True, "false": False}


def read_labelled(path: str | Path) -> tuple[str, list[Labelled]]:
    """Rows of a labelled CSV and its kind, "grid" or "label"; ValueError naming the file (and the line) when
    it is not UTF-8, has neither set of columns, or holds a label the scores would silently misread."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            kind, rows = _read(path, csv.DictReader(handle))
    except UnicodeDecodeError as exc:
        # Excel on a Chinese Windows saves "CSV" as GBK: say how to save it so that it reads
        raise ValueError(
            f"{path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            'save it as "CSV UTF-8" (Excel: 另存为 → CSV UTF-8(逗号分隔))'
        ) from None
    if not rows:
        raise ValueError(f"{path}: no labelled rows (only a header)")
    return kind, rows


def _read(path: str | Path, reader: csv.DictReader) -> tuple[str, list[Labelled]]:
    fields = set(reader.fieldnames or ())
    if {"text", "intent", "category", "urgent"} <= fields:
        rows = []
        for row in reader:
            intent = (row["intent"] or "").strip()
            urgent = _URGENT.get((row["urgent"] or "").strip().lower())
            if intent not in INTENTS:
                raise ValueError(f"{path}, line {reader.line_num}: intent {intent!r} is not request or chatter")
            if urgent is None:
                raise ValueError(f"{path}, line {reader.line_num}: urgent {row['urgent']!r} is not 1 or 0")
            category = (row["category"] or "").strip() or None
            label = (category or "chatter") if intent == "request" else "chatter"
            rows.append(Labelled(row["text"] or "", label, intent=intent, category=category, urgent=urgent))
        return "grid", rows
    if {"text", "label"} <= fields:
        return "label", [Labelled(text=row["text"] or "", label=row["label"] or "") for row in reader]
    raise ValueError(f"{path}: expected columns text,intent,category,urgent or text,label; got {sorted(fields)}")
