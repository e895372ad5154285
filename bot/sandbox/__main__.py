"""``python -m bot.sandbox``: run the sandbox Bot API server standalone until Ctrl-C.

Why: lets a bot in another process (or a human with curl) use the sandbox; see the
package docstring for how to point a bot at it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .limits import Limits
from .server import Sandbox


def _pair(text: str) -> tuple[int, str]:
    ident, _, name = text.partition(":")
    return int(ident), name


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bot.sandbox", description="Offline Telegram Bot API sandbox")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--token", default="123456:SANDBOX")
    ap.add_argument("--username", default="gridbot_sandbox_bot")
    ap.add_argument("--name", default="网格助手")
    ap.add_argument(
        "--privacy", action="store_true", help="privacy mode: in groups the bot sees only commands, mentions, replies"
    )
    ap.add_argument("--limits", action="store_true", help="answer 429 when Telegram flood limits are exceeded")
    ap.add_argument("--user", action="append", default=[], type=_pair, metavar="ID:NAME")
    ap.add_argument(
        "--chat",
        action="append",
        default=[],
        type=_pair,
        metavar="ID:TITLE",
        help="a group, e.g. --chat=-100500:幸福社区1网格 (note the = for negative ids)",
    )
    return ap.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    sb = Sandbox(
        token=args.token,
        bot_username=args.username,
        bot_name=args.name,
        can_read_all_group_messages=not args.privacy,
        limits=Limits() if args.limits else False,
        host=args.host,
        port=args.port,
    )
    for user_id, name in args.user:
        sb.add_user(user_id, name or f"User{user_id}")
    for chat_id, title in args.chat:
        sb.add_chat(chat_id, title or None)
    async with sb:
        print(f"sandbox Bot API: base_url={sb.base_url} base_file_url={sb.base_file_url} token={sb.token}")
        print(f"control API: {sb.url}/_sandbox/  (Ctrl-C to stop)", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
