"""Print grid-chat quality figures for the default lexicon and grid model on ../shared/data/gridchat/dev.csv.

--half even|odd scores only even/odd rows: the lexicon was tuned while looking at even rows only, so the
odd rows give an honest estimate of how it does on messages it has never seen.
--errors lists misclassified rows (use it on the even half only).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.classifier import Classifier  # noqa: E402
from nlp.datasets import read_labelled  # noqa: E402
from nlp.evaluate import grid_scores  # noqa: E402
from nlp.lexicon import default_lexicon, load_lexicon  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=str(ROOT.parent / "shared/data/gridchat/dev.csv"))
    parser.add_argument("--half", choices=["all", "even", "odd"], default="all")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--lexicon")
    parser.add_argument("--segmenter", choices=["jieba", "rjieba"])
    parser.add_argument("--no-model", action="store_true", help="the hand-written lexicon alone, no learned models")
    args = parser.parse_args()
    from nlp.segment import best_segmenter

    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    from nlp.model import default_model, default_urgent_model

    models = {} if args.no_model else {"model": default_model(), "urgent_model": default_urgent_model()}
    classifier = Classifier(lexicon, segmenter=best_segmenter(args.segmenter), **models)
    _, rows = read_labelled(args.file)
    if args.half != "all":
        rows = rows[0 if args.half == "even" else 1 :: 2]
    results = [classifier.classify(row.text) for row in rows]
    gold = [(row.intent, row.category, row.urgent) for row in rows]
    pred = [(r.intent, r.category, r.urgent) for r in results]
    for key, value in grid_scores(gold, pred).items():
        print(f"{key:<20}{value:.4f}")
    if args.errors:
        for row, result in zip(rows, results, strict=True):
            if (row.intent, row.category, row.urgent) != (result.intent, result.category, result.urgent):
                gold = f"{row.intent[:3]}/{row.category}/{int(row.urgent)}"
                got = f"{result.intent[:3]}/{result.category}/{int(result.urgent)}"
                print(f"{gold} -> {got} {result.confidence:.2f} {','.join(result.matched)} | {row.text}")


if __name__ == "__main__":
    main()
