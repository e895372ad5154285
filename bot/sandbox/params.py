"""Decode Bot API request parameters the way Telegram accepts them.

Why: PTB sends urlencoded forms (or multipart when uploading) whose values are JSON-encoded
except plain strings, so ``chat_id`` arrives as ``"-100"`` and ``reply_markup`` as a JSON
string. Other clients send a JSON body or a query string. All end up as one typed dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .core import bad_request

# Parameters that are plain strings: never JSON-decode them ("123" must stay text).
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "file_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "data",
        "action",
        "secret_token",
        "ip_address",
        "photo",
        "document",
        "sticker",
        "voice",
        "audio",
        "video",
        "animation",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "title",
        "question",
        "custom_title",
        "filename",
        "thumbnail",
        "certificate",
    }
)


@dataclass
class Upload:
    """A file sent as a multipart part."""

    filename: str
    data: bytes
    content_type: str


def coerce(raw: dict[str, Any]) -> dict[str, Any]:
    """JSON-decode string values of non-string parameters; keep undecodable ones as given."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in STRING_FIELDS:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[key] = value
    return out


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Merge query string and body into typed params; multipart files go to the second dict."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    raw[key] = value
    return coerce(raw), uploads


def for_record(params: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
    """Params as stored in ``Sandbox.calls``: uploads summarised, not their bytes."""
    recorded = dict(params)
    for key, up in uploads.items():
        recorded[key] = {"upload": up.filename, "size": len(up.data), "content_type": up.content_type}
    return recorded


def int_param(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    """An integer parameter or a Telegram-style 400."""
    value = params.get(name, default)
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise bad_request(f"invalid {name} specified")


def bool_param(params: dict[str, Any], name: str) -> bool:
    value = params.get(name, False)
    return value is True or (isinstance(value, str) and value.lower() == "true")
