"""Print classify --jsonl throughput against a process that only runs jieba.lcut on the same messages.

Both are whole processes, start-up included, on 20,000 short grid messages (dev.csv cycled with a
counter so no two lines are equal), best of three alternating rounds. Also prints the classifier's load time
(second start: warm cache) and what the first message that needs segmenting adds (jieba reads its
dictionary then, not at start; the built-in lexicon never needs it, a "token" lexicon may).
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
CLASSIFY = "from bot.nlp_cli import classify_command; classify_command()"
LOAD = (
    "import time; t = time.perf_counter(); from bot.understanding import build_classifier; "
    "c = build_classifier(); c.classify('电梯坏了'); t1 = time.perf_counter(); "
    # 灯 is a one-character keyword: the first message with one loads the segmenter's dictionary
    "c.classify('楼道的灯又不亮了'); print(f'{t1 - t:.3f} s, then {time.perf_counter() - t1:.3f} s "
    "for the first message that needs the segmenter')"
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
        run([sys.executable, "-c", LOAD], str(plain), env)  # warm jieba's cache for both
        # the machine may be shared: rounds alternate the three runs, and each keeps its best time
        best = {"jieba-only": float("inf"), "rjieba": float("inf"), "jieba": float("inf")}
        for _ in range(repeats):
            best["jieba-only"] = min(best["jieba-only"], run([sys.executable, "-c", JIEBA_ONLY], str(plain), env))
            for name in ("rjieba", "jieba"):
                took = run([sys.executable, "-c", CLASSIFY, "--jsonl"], str(lines), {**env, "GRIDBOT_SEGMENTER": name})
                best[name] = min(best[name], took)
        base = best["jieba-only"]
        print(f"jieba.lcut only      {base:6.2f} s  {count / base:7.0f} msg/s")
        for name in ("rjieba", "jieba"):
            took = best[name]
            print(f"classify ({name:<6})   {took:6.2f} s  {count / took:7.0f} msg/s  ratio {took / base:.2f}")
            load = subprocess.run(
                [sys.executable, "-c", LOAD],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**env, "GRIDBOT_SEGMENTER": name},
            )
            print(f"  load time ({name}, warm cache): {load.stdout.strip()}")


if __name__ == "__main__":
    main()
