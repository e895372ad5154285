"""Learn a lexicon on taidi2020 train.csv and print macro-F1 on dev.csv (and test.csv with --test).

Tune --max-keywords and --c on dev; report on test once, after tuning. Fits with scikit-learn when the
extra `learn` is installed, else in pure Python (same model, slower).
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
from nlp.learn import MAX_KEYWORDS, C, learn  # noqa: E402
from nlp.lexicon import dump_lexicon  # noqa: E402

DATA = ROOT.parent / "shared/data/taidi2020"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--test", action="store_true", help="also score test.csv (do this once)")
    parser.add_argument("--max-keywords", type=int, default=MAX_KEYWORDS)
    parser.add_argument("--c", type=float, default=C)
    parser.add_argument("--min-df", type=int, default=2)
    parser.add_argument("--out", help="write the learned lexicon here")
    args = parser.parse_args()
    _, train = read_labelled(DATA / "train.csv")
    started = time.perf_counter()
    lexicon = learn([(r.text, r.label) for r in train], max_keywords=args.max_keywords, min_df=args.min_df, c=args.c)
    sizes = [len(c.keywords) for c in lexicon.categories]
    print(
        f"learned in {time.perf_counter() - started:.1f} s; {sum(sizes)} keywords "
        f"({min(sizes)}-{max(sizes)} per category, {len(lexicon.idf)} distinct)"
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
