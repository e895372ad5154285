"""In a group where the bot reads only what is addressed to it ("@bot only" intake, as on WeCom), a prompt that
asks for a typed answer ("回复“满意”") also says how to address the bot: a plain "满意" never reaches it there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot import texts
from bot.config import Config
from bot.messages import Outbound


def asks_typed_answer(text: str) -> bool:
    return texts.TYPED_ANSWER in text and texts.ADDRESS_ME not in text


def with_address_hint(messages: Iterable[Outbound], config: Config) -> list[Outbound]:
    """The messages, those to "@bot only" groups that ask a typed answer ending with how to address the bot."""
    out = []
    for message in messages:
        grid = config.grid_for_chat(message.chat_id)
        if grid is not None and config.intake_mode(grid) == "mention" and asks_typed_answer(message.text):
            message = replace(message, text=f"{message.text}\n{texts.ADDRESS_ME}")
        out.append(message)
    return out
