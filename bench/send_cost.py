"""CPU per message sent: python-telegram-bot's HTTP stack against the in-process sandbox (both sides counted).

    python bench/send_cost.py [--sends 1000]

Replies leave at Telegram's limit, but every send also costs the bot's one process CPU that the intake of a burst
needs: this is that cost. It found httpcore retrying a failed `import sniffio` on every request (see pyproject).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot  # noqa: E402

from bot.sandbox import Sandbox  # noqa: E402


async def main(sends: int) -> None:
    async with Sandbox() as sandbox:
        sandbox.add_chat(-100123, "第一网格")
        bot = Bot(sandbox.token, base_url=sandbox.base_url)
        async with bot:
            for _ in range(20):  # warm the connection pool
                await bot.send_message(-100123, "预热")
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(sends):
                await bot.send_message(-100123, "已受理 #12（张阿姨）")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    try:
        import sniffio  # noqa: F401

        sniffio_state = "installed"
    except ImportError:
        sniffio_state = "absent"
    print(
        f"{sends} sends: {cpu / sends * 1000:.2f} ms CPU and {wall / sends * 1000:.2f} ms wall each "
        f"(sniffio {sniffio_state})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000)
    asyncio.run(main(parser.parse_args().sends))
