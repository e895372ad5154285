"""The real bot wired to the offline sandbox Bot API: used by `gridbot demo`, end-to-end tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from bot.config import Config
from bot.sandbox import Sandbox
from handlers.runtime import TelegramRuntime


def populate(sandbox: Sandbox, config: Config, residents: Iterable[tuple[int, str]] = ()) -> None:
    """Create the config's groups and people in the sandbox, so that it knows every chat the bot writes to."""
    for grid in config.grids:
        sandbox.add_chat(int(grid.chat_id), grid.name)
    for worker in config.workers:
        sandbox.add_user(worker.telegram_id, worker.name)
    for user_id, name in residents:
        sandbox.add_user(user_id, name)


@asynccontextmanager
async def sandboxed_bot(
    config: Config,
    *,
    classifier=None,
    residents: Iterable[tuple[int, str]] = (),
    limits: bool = False,
    clock=None,
    poll_timeout: int = 1,
    sandbox: Sandbox | None = None,
) -> AsyncIterator[tuple[Sandbox, TelegramRuntime]]:
    """A started sandbox and a started bot polling it; both stopped on exit."""
    own = sandbox is None
    sandbox = sandbox or Sandbox(limits=limits)
    if own:
        await sandbox.start()
    populate(sandbox, config, residents)
    extra = {"clock": clock} if clock is not None else {}
    runtime = TelegramRuntime(
        config,
        classifier=classifier,
        base_url=sandbox.base_url,
        base_file_url=sandbox.base_file_url,
        token=sandbox.token,
        **extra,
    )
    try:
        await runtime.start(poll_timeout=poll_timeout)
        yield sandbox, runtime
    finally:
        await runtime.stop()
        if own:
            await sandbox.stop()
