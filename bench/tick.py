"""One scheduler tick on the county-scale ledger: 2,400 grids, 20,000 workers, 1M tickets (bench/scale.py's).

    python bench/tick.py [--tickets 1000000 --events 5000000 --grids 2400 --workers 20000]

Works on a copy of the cached database on which everything due an hour before the start was queued and
marked sent (the state of a bot that has been running, as in bench/memory.py). Times the database work of
Scheduler.tick (bot.scheduler.run_due: the talk-day posts of each chunk of 100 grids, then the deadline
ladder and 回访 over all tickets) at the talk day's start, when 2,400 agendas fall due, and at the steady
ticks 30 s and 60 s later, when almost nothing is new. The tick runs every 30 s, and on SQLite the bot has
one database thread, so a tick must stay far below that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.memory import prepare_copy  # noqa: E402
from bench.scale_data import Scale  # noqa: E402


def timed_tick(sessions, config, now: dt.datetime) -> dict:
    from bot.scheduler import CHUNK, run_due

    grids = list(config.grids)
    started = time.perf_counter()
    queued = slowest = 0.0
    for start in range(0, len(grids), CHUNK):
        chunk_started = time.perf_counter()
        queued += run_due(sessions, config, now, grids[start : start + CHUNK], False)
        slowest = max(slowest, time.perf_counter() - chunk_started)
    talk = time.perf_counter() - started
    ladder_started = time.perf_counter()
    queued += run_due(sessions, config, now, [], True)
    ladder = time.perf_counter() - ladder_started
    return {"queued": int(queued), "talk": talk, "slowest_chunk": slowest, "ladder": ladder, "total": talk + ladder}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--grids", type=int, default=2400)
    parser.add_argument("--workers", type=int, default=20000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from bench.scale_data import NOW, county
    from bot.db import create_db_engine, session_factory

    scale = Scale(args.tickets, args.events, args.grids, args.workers)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as folder:
        db, _, _ = prepare_copy(scale, Path(folder))
        config, _ = county(scale, f"sqlite:///{db}")
        engine = create_db_engine(f"sqlite:///{db}")
        sessions = session_factory(engine)
        print(f"county: {len(config.grids):,} grids, {len(config.workers):,} workers, {args.tickets:,} tickets")
        for label, now in (
            ("talk-day start (agendas due)", NOW),
            ("steady tick +30 s", NOW + dt.timedelta(seconds=30)),
            ("steady tick +60 s", NOW + dt.timedelta(seconds=60)),
        ):
            r = timed_tick(sessions, config, now)
            print(
                f"{label}: {r['total']:.2f} s (talk-day chunks {r['talk']:.2f} s, slowest chunk "
                f"{r['slowest_chunk']:.2f} s; ladder and 回访 {r['ladder']:.2f} s); {r['queued']:,} sends queued"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
