"""Post the talk-day agenda to 2,400 sandbox groups under Telegram's limits and measure against the floor.

    python bench/broadcast.py [--groups 2400]

The sandbox runs in "Telegram limits" mode (429 past 30 msg/s overall, 20/min per group); the bot sends
through PTB's AIORateLimiter. Floor = groups / 30 s. Prints delivered, 429s, time and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.community import county_config  # noqa: E402
from bot.sandbox import Sandbox  # noqa: E402
from handlers.sandboxed import sandboxed_bot  # noqa: E402


class FixedClock:
    def __init__(self, moment: dt.datetime):
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment


async def main(groups: int) -> dict:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bot.reminders").setLevel(logging.ERROR)  # the skipped Monday posts are expected here
    with tempfile.TemporaryDirectory() as folder:
        config = county_config(groups, f"sqlite:///{Path(folder) / 'b.db'}", workers_per_grid=1)
        # Monday 2026-11-23 08:00 Shanghai: nothing due yet; the agenda falls due at Tuesday 09:00.
        clock = FixedClock(dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC))
        async with (
            Sandbox(limits=True) as sandbox,
            sandboxed_bot(config, sandbox=sandbox, clock=clock) as (sb, rt),
        ):
            await rt.settle()
            before = sb.stats["sent"]
            clock.moment = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # Tuesday 09:00 local
            started = time.perf_counter()
            queued = await rt.scheduler.tick()
            queued_at = time.perf_counter() - started
            await sb.wait_for_count(groups, timeout=groups / 10 + 120)
            await rt.settle(timeout=60)
            elapsed = time.perf_counter() - started
            agendas = [m for m in sb.bot_messages() if "议程" in m.get("text", "")]
            stats = sb.stats
        floor = groups / 30
        result = {
            "groups": groups,
            "queued": queued,
            "delivered": len(agendas),
            "sent_total": stats["sent"] - before,
            "429s": stats["rate_limited"],
            "queue_seconds": round(queued_at, 2),
            "seconds": round(elapsed, 1),
            "floor_seconds": round(floor, 1),
            "ratio_to_floor": round(elapsed / floor, 3),
        }
        for key, value in result.items():
            print(f"{key:>16}: {value}")
        return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=2400)
    args = parser.parse_args()
    asyncio.run(main(args.groups))
