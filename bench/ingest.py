"""A burst of N requests from N residents over 200 groups, injected at once into the sandbox.

    python bench/ingest.py [--messages 1000] [--groups 200]

(a) time until all N tickets are stored, against a null python-telegram-bot bot on the same kind of
    sandbox whose handler only records each update (the framework's floor);
(b) time until every reply and ping is delivered, against the floor set by Telegram's limits
    (30 msg/s overall, 20/min per group, ~1/s per private chat), with the sandbox answering 429 past them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402
from telegram.ext import ApplicationBuilder, MessageHandler, filters  # noqa: E402

from bench.community import county_config  # noqa: E402
from bot.models import Ticket  # noqa: E402
from bot.sandbox import Sandbox  # noqa: E402
from handlers.sandboxed import populate, sandboxed_bot  # noqa: E402

TEMPLATES = [
    "{b}栋楼道堆满杂物 好几天了没人管",
    "{b}栋门口的路灯坏了一个多月了 晚上黑漆漆的",
    "{b}栋楼下有人电动车飞线充电 太危险了",
    "{b}栋楼顶渗水 家里墙都泡了 麻烦来看看",
    "{b}栋门口天天乱停车 消防通道都堵了",
]


def burst(config, sandbox: Sandbox, messages: int) -> list[tuple[int, int, str]]:
    grids = config.grids
    plan = []
    for i in range(messages):
        grid = grids[i % len(grids)]
        nth = i // len(grids)
        text = TEMPLATES[nth % len(TEMPLATES)].format(b=nth + 1)
        plan.append((int(grid.chat_id), 500000 + i, text))
    for _, user, _ in plan:
        sandbox.add_user(user, f"居民{user}")
    return plan


async def null_bot(config, messages: int) -> float:
    """The framework's floor: PTB polling the sandbox, a handler that only records each update."""
    async with Sandbox() as sandbox:
        populate(sandbox, config)
        plan = burst(config, sandbox, messages)
        seen = asyncio.Event()
        count = 0

        async def record(update, context) -> None:
            nonlocal count
            count += 1
            if count == messages:
                seen.set()

        app = (
            ApplicationBuilder()
            .token(sandbox.token)
            .base_url(sandbox.base_url)
            .base_file_url(sandbox.base_file_url)
            .concurrent_updates(64)
            .build()
        )
        app.add_handler(MessageHandler(filters.ALL, record))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            started = time.perf_counter()
            for chat, user, text in plan:
                sandbox.send_message(chat, user, text)
            await asyncio.wait_for(seen.wait(), timeout=300)
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
        return elapsed


async def gridbot(config, messages: int) -> dict:
    async with Sandbox(limits=True) as sandbox, sandboxed_bot(config, sandbox=sandbox) as (sb, runtime):
        plan = burst(config, sb, messages)
        await runtime.settle()
        sent_before = sb.stats["sent"]

        def stored() -> int:
            with runtime.sessions() as session:
                return session.execute(select(func.count()).select_from(Ticket)).scalar_one()

        started = time.perf_counter()
        for chat, user, text in plan:
            sb.send_message(chat, user, text)
        while await runtime.run_db(stored) < messages:
            if time.perf_counter() - started > 600:
                raise TimeoutError("tickets not stored in 600 s")
            await asyncio.sleep(0.01)
        stored_after = time.perf_counter() - started
        await runtime.settle(timeout=900)
        delivered_after = time.perf_counter() - started
        stats = sb.stats
        sends = stats["sent"] - sent_before
        groups = {}
        for chat, _, _ in plan:
            groups[chat] = groups.get(chat, 0) + 1
        # The floor: all sends at 30/s overall, and no group faster than 20 per minute.
        group_floor = max((count - 20) / 20 * 60 if count > 20 else 0 for count in groups.values())
        floor = max(sends / 30, group_floor)
        return {
            "tickets": await runtime.run_db(stored),
            "stored_seconds": stored_after,
            "sends": sends,
            "delivered_seconds": delivered_after,
            "floor_seconds": floor,
            "429s": stats["rate_limited"],
        }


async def main(messages: int, groups: int, database_url: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        config = county_config(groups, database_url or f"sqlite:///{Path(folder) / 'ingest.db'}")
        floor = await null_bot(config, messages)
        result = await gridbot(config, messages)
    print(f"messages: {messages} over {groups} groups; database: {config.database.url.split(':')[0]}")
    print(
        f"(a) null PTB bot received all: {floor:.2f} s; gridbot stored all {result['tickets']} tickets: "
        f"{result['stored_seconds']:.2f} s; ratio {result['stored_seconds'] / floor:.2f} (target ≤ 2)"
    )
    print(
        f"(b) {result['sends']} replies and pings delivered in {result['delivered_seconds']:.1f} s; floor "
        f"{result['floor_seconds']:.1f} s; ratio {result['delivered_seconds'] / result['floor_seconds']:.3f} "
        f"(target ≤ 1.1); 429s: {result['429s']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="An empty database (default: a temporary SQLite file).")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.groups, args.database_url))
