"""Webhook mode end to end: the sandbox posts updates to the bot's webhook as Telegram does.

An update is answered 200 only once it is in the inbox; a failure to store it is answered with an error,
so that Telegram posts it again; forged requests without the secret are refused.
"""

from __future__ import annotations

import asyncio
import socket

import aiohttp
from sqlalchemy import select

from bot.config import parse_config
from bot.models import InboxMessage
from handlers.sandboxed import sandboxed_bot
from tests.conftest import EXAMPLE, running_clock
from tests.e2e.conftest import RESIDENTS

G1, AUNT = -1001000000001, 501
SECRET = "gridbot-test-secret_1"
COMPLAINT = "3栋楼道堆满杂物 好几天了没人管"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook_config(database_url: str, port: int):
    source = EXAMPLE.read_text(encoding="utf-8")
    for old, new in (
        ('mode = "polling"', 'mode = "webhook"'),
        ('webhook_url = ""', f'webhook_url = "http://127.0.0.1:{port}/gridbot/hook"'),
        ("webhook_port = 8443", f"webhook_port = {port}"),
        ('webhook_secret = ""', f'webhook_secret = "{SECRET}"'),
    ):
        assert old in source
        source = source.replace(old, new)
    return parse_config(source, "webhook.toml", environ={"GRIDBOT_DATABASE_URL": database_url})


def has(text):
    return lambda m: text in (m.get("text") or "")


def inbox(runtime) -> list[str]:
    with runtime.sessions() as session:
        return list(session.execute(select(InboxMessage.status).order_by(InboxMessage.id)).scalars())


async def answered_ok(sb, count: int = 1) -> None:
    for _ in range(200):
        if sb.world.webhook_answers.count(200) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"webhook answers: {sb.world.webhook_answers}")


async def test_a_report_arrives_by_webhook_and_is_acknowledged(database_url, classifier):
    port = free_port()
    config = webhook_config(database_url, port)
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=running_clock()) as (
        sb,
        runtime,
    ):
        assert sb.world.webhook == {"url": f"http://127.0.0.1:{port}/gridbot/hook", "secret_token": SECRET}
        msg = sb.send_message(G1, AUNT, COMPLAINT)
        ack = await sb.wait_for(has("已受理 #1"), chat_id=G1)
        assert ack["reply_to_message"]["message_id"] == msg["message_id"]
        await sb.wait_for(has("【新工单 #1】"), chat_id=1001)
        assert "getUpdates" not in [method for method, _ in sb.calls]
        assert inbox(runtime) == ["done"]
        # A request without Telegram's secret is refused and changes nothing.
        async with aiohttp.ClientSession() as http:
            forged = {"update_id": 999, "message": {**msg, "message_id": 77, "text": "认领 1"}}
            async with http.post(f"http://127.0.0.1:{port}/gridbot/hook", json=forged) as response:
                assert response.status == 403
        assert inbox(runtime) == ["done"]


async def test_an_update_is_stored_before_telegram_hears_ok(database_url, classifier, monkeypatch):
    port = free_port()
    config = webhook_config(database_url, port)
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=running_clock()) as (
        sb,
        runtime,
    ):
        gate = asyncio.Event()
        real_submit = runtime.batcher.submit

        async def held(inbound):
            await gate.wait()
            return await real_submit(inbound)

        monkeypatch.setattr(runtime.batcher, "submit", held)
        sb.send_message(G1, AUNT, COMPLAINT)
        try:
            await answered_ok(sb)
            # Telegram has its 200 and will not send the update again: it must already be in the inbox.
            assert inbox(runtime) == ["pending"]
        finally:
            gate.set()
        await sb.wait_for(has("已受理 #1"), chat_id=G1)
        assert inbox(runtime) == ["done"]


async def test_an_update_that_cannot_be_stored_is_refused_and_posted_again(database_url, classifier, monkeypatch):
    port = free_port()
    config = webhook_config(database_url, port)
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=running_clock()) as (
        sb,
        runtime,
    ):
        real_accept = runtime.core.accept
        failures = []

        def flaky(inbounds):
            if not failures:
                failures.append(len(inbounds))
                raise OSError("disk full")
            return real_accept(inbounds)

        monkeypatch.setattr(runtime.core, "accept", flaky)
        sb.send_message(G1, AUNT, COMPLAINT)
        await sb.wait_for(has("已受理 #1"), chat_id=G1)
        await runtime.settle()
        assert failures == [1]
        assert sb.world.webhook_answers[0] != 200 and sb.world.webhook_answers[-1] == 200
        assert inbox(runtime) == ["done"]
        assert len([m for m in sb.bot_messages() if "已受理" in (m.get("text") or "")]) == 1
