"""Webhook delivery: once setWebhook names a URL, pending updates are POSTed there one at a time.

As on Telegram: an update counts as delivered only when the bot answers 200; anything else (an error
status, a refused connection, a timeout) leaves it pending and it is posted again a moment later. The
secret token given to setWebhook travels in the X-Telegram-Bot-Api-Secret-Token header.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from .methods import _deliverable
from .world import World

RETRY_SECONDS = 0.2


async def push_updates(w: World) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        while w.webhook.get("url") and not w.closing:
            batch = _deliverable(w, 1)
            if not batch:
                await w.changed.wait(1.0)
                continue
            update = batch[0]
            secret = w.webhook.get("secret_token")
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            try:
                async with http.post(w.webhook["url"], json=update, headers=headers) as response:
                    answered = response.status
            except (TimeoutError, aiohttp.ClientError):
                answered = 0
            w.webhook_answers.append(answered)
            if answered != 200:
                await asyncio.sleep(RETRY_SECONDS)
                continue
            w.stats["delivered"] += 1
            uid = update.get("update_id")
            if isinstance(uid, int):
                w.confirm(uid + 1)
            elif update in w.updates:
                w.updates.remove(update)


def start_pushing(w: World) -> None:
    if w.webhook_task is None or w.webhook_task.done():
        w.webhook_task = asyncio.get_running_loop().create_task(push_updates(w), name="sandbox-webhook")


async def stop_pushing(w: World) -> None:
    task, w.webhook_task = w.webhook_task, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
