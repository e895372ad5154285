"""End-to-end fixtures: the real python-telegram-bot stack polling the sandbox Bot API over HTTP."""

from __future__ import annotations

import pytest

from handlers.sandboxed import sandboxed_bot
from tests.conftest import running_clock

RESIDENTS = [(501, "张阿姨"), (502, "李大爷"), (503, "小陈")]


@pytest.fixture
async def bot(config, classifier):
    async with sandboxed_bot(config, classifier=classifier, residents=RESIDENTS, clock=running_clock()) as (
        sandbox,
        runtime,
    ):
        yield sandbox, runtime
