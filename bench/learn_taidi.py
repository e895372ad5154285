"""Learn a lexicon on taidi2020 train.csv and print macro-F1 on dev.csv (and test.csv with --test).

Report on test once, after tuning on dev.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.classifier import Classifier  # noqa: E402
from nlp.datasets import read_labelled  # noqa: E402
from nlp.evaluate import format_report, macro_f1  # noqa: E402
from nlp.learn import learn  # noqa: E402
from nlp.lexicon import dump_lexicon  # noqa: E402

DATA = ROOT.parent / "shared/data/taidi2020"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--test", action="store_true", help="also score test.csv (do this once)")
    parser.add_argument("--max-keywords", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--c", type=float, default=0.5)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--out", help="write the learned lexicon here")
    args = parser.parse_args()
    _, train = read_labelled(DATA / "train.csv")
    started = time.perf_counter()
    lexicon = learn(
        [(r.text, r.label) for r in train],
        max_keywords=args.max_keywords,
        epochs=args.epochs,
        min_df=args.min_df,
        c=args.c,
    )
    print(
        f"learned in {time.perf_counter() - started:.1f} s; {sum(len(c.keywords) for c in lexicon.categories)} keywords"
    )
    if args.out:
        dump_lexicon(lexicon, args.out)
    classifier = Classifier(lexicon)
    for name in ["dev"] + (["test"] if args.test else []):
        _, rows = read_labelled(DATA / f"{name}.csv")
        predicted = [classifier.categorize(r.text)[0] or "" for r in rows]
        gold = [r.label for r in rows]
        print(f"{name}: macro-F1 {macro_f1(gold, predicted):.4f}")
        if name == "test":
            print(format_report(gold, predicted))


if __name__ == "__main__":
    main()
