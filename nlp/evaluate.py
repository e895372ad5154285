"""Pure metric functions: per-class precision/recall/F1, macro-F1, confusion matrix, binary P/R.

Kept free of I/O so the CLI, the benchmarks and the quality-floor test report the same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def per_class(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> list[ClassScore]:
    """Precision, recall and F1 for each gold label (and any label only predicted)."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    labels = list(labels) if labels is not None else sorted(set(gold) | set(predicted))
    pairs = Counter(zip(gold, predicted, strict=True))
    gold_count, pred_count = Counter(gold), Counter(predicted)
    scores = []
    for label in labels:
        hit = pairs[(label, label)]
        precision = hit / pred_count[label] if pred_count[label] else 0.0
        recall = hit / gold_count[label] if gold_count[label] else 0.0
        scores.append(ClassScore(label, precision, recall, _f1(precision, recall), gold_count[label]))
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Unweighted mean F1 over the gold labels (or `labels`), so small classes count as much as big ones."""
    labels = list(labels) if labels is not None else sorted(set(gold))
    scores = per_class(gold, predicted, labels)
    return sum(score.f1 for score in scores) / len(scores) if scores else 0.0


def binary(gold: Sequence[bool], predicted: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class."""
    hit = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    precision = hit / sum(predicted) if any(predicted) else 0.0
    recall = hit / sum(gold) if any(gold) else 0.0
    return precision, recall, _f1(precision, recall)


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> tuple[list[str], list[list[int]]]:
    """Labels and a matrix with rows = gold, columns = predicted."""
    labels = sorted(set(gold) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    return labels, matrix


def format_report(gold: Sequence[str], predicted: Sequence[str], title: str = "") -> str:
    """A plain-text table of per-class scores, macro-F1 and the confusion matrix."""
    lines = [title] if title else []
    lines.append(f"{'label':<14}{'prec':>7}{'rec':>7}{'f1':>7}{'n':>6}")
    for s in per_class(gold, predicted):
        lines.append(f"{s.label:<14}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.support:>6}")
    lines.append(
        f"macro-F1 {macro_f1(gold, predicted):.4f}  accuracy "
        f"{sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1):.4f}"
    )
    labels, matrix = confusion(gold, predicted)
    short = [label[:6] for label in labels]
    lines.append("confusion (rows gold, cols predicted): " + " ".join(short))
    for label, row in zip(short, matrix, strict=True):
        lines.append(f"{label:<8}" + "".join(f"{n:>6}" for n in row))
    return "\n".join(lines)


def grid_scores(
    gold: Sequence[tuple[str, str, bool]], predicted: Sequence[tuple[str, str | None, bool]]
) -> dict[str, float]:
    """Grid-chat figures from (intent, category, urgent) triples: intent F1, category macro-F1 over the
    gold requests (a request taken for chatter counts as a miss), urgent precision/recall."""
    gold_intent = [g[0] for g in gold]
    pred_intent = [p[0] for p in predicted]
    request_f1 = next(s.f1 for s in per_class(gold_intent, pred_intent, ["request"]))
    requests = [(g[1], p[1] or "-") for g, p in zip(gold, predicted, strict=True) if g[0] == "request"]
    labels = sorted({g for g, _ in requests})
    urgent_p, urgent_r, _ = binary([g[2] for g in gold], [p[2] for p in predicted])
    return {
        "intent_f1": request_f1,
        "intent_macro_f1": macro_f1(gold_intent, pred_intent, ["request", "chatter"]),
        "category_macro_f1": macro_f1([g for g, _ in requests], [p for _, p in requests], labels),
        "urgent_precision": urgent_p,
        "urgent_recall": urgent_r,
    }
