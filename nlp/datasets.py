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


def read_labelled(path: str | Path) -> tuple[str, list[Labelled]]:
    """Rows of a labelled CSV and its kind, "grid" or "label"; ValueError naming the file if neither."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = set(reader.fieldnames or ())
        if {"text", "intent", "category", "urgent"} <= fields:
            rows = [
                Labelled(
                    text=row["text"] or "",
                    label=(row["category"] or "chatter") if row["intent"] == "request" else "chatter",
                    intent=row["intent"],
                    category=row["category"] or None,
                    urgent=(row["urgent"] or "0").strip() in ("1", "true", "True"),
                )
                for row in reader
            ]
            return "grid", rows
        if {"text", "label"} <= fields:
            return "label", [Labelled(text=row["text"] or "", label=row["label"] or "") for row in reader]
    raise ValueError(f"{path}: expected columns text,intent,category,urgent or text,label; got {sorted(fields)}")
