"""Print classify --jsonl throughput against a process that only runs jieba.lcut on the same messages.

Both are whole processes, start-up included, on 20,000 short grid messages (dev.csv cycled with a
counter so no two lines are equal), best of N alternating rounds (the machine may be shared: a single run
can be 20 % off). Also prints the classifier's load time (second start: warm cache). The built-in lexicon
finds one-character keywords anywhere (`single = "char"`), so it never segments: which segmenter is
installed does not matter to this figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.datasets import read_labelled  # noqa: E402

JIEBA_ONLY = "import sys, jieba\nfor line in sys.stdin:\n    jieba.lcut(line)\n"
CLASSIFY = "from bot.cli import main; main()"  # what the `gridbot` script runs
LOAD = (
    "import time; t = time.perf_counter(); from bot.understanding import build_classifier; "
    "c = build_classifier(); c.classify('电梯坏了'); print(f'{time.perf_counter() - t:.3f} s')"
)


def run(args: list[str], stdin_path: str, env: dict) -> float:
    started = time.perf_counter()
    with open(stdin_path, "rb") as stdin:
        subprocess.run(args, stdin=stdin, stdout=subprocess.DEVNULL, check=True, cwd=ROOT, env=env)
    return time.perf_counter() - started


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    _, rows = read_labelled(ROOT.parent / "shared/data/gridchat/dev.csv")
    texts = [f"{rows[i % len(rows)].text} {i}" for i in range(count)]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        plain, lines = Path(tmp) / "plain.txt", Path(tmp) / "in.jsonl"
        plain.write_text("\n".join(texts) + "\n", encoding="utf-8")
        lines.write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts) + "\n", "utf-8")
        run([sys.executable, "-c", LOAD], str(plain), env)  # warm the classifier's cache
        run([sys.executable, "-c", "import jieba; jieba.lcut('预热')"], str(plain), env)  # and jieba's
        best = {"jieba-only": float("inf"), "classify": float("inf")}
        for _ in range(repeats):
            best["jieba-only"] = min(best["jieba-only"], run([sys.executable, "-c", JIEBA_ONLY], str(plain), env))
            took = run([sys.executable, "-c", CLASSIFY, "classify", "--jsonl"], str(lines), env)
            best["classify"] = min(best["classify"], took)
        base, took = best["jieba-only"], best["classify"]
        print(f"jieba.lcut only      {base:6.2f} s  {count / base:7.0f} msg/s")
        print(f"classify --jsonl     {took:6.2f} s  {count / took:7.0f} msg/s  ratio {took / base:.2f}")
        load = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, cwd=ROOT, env=env)
        print(f"  load time (build_classifier and one message, warm cache): {load.stdout.strip()}")


if __name__ == "__main__":
    main()
