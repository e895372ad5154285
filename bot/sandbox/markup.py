"""Telegram text formatting: ``parse_mode`` → plain text + entities, like the server does.

Why: a bot that sends broken HTML or unescaped MarkdownV2 must fail here with the same
"can't parse entities" error it gets in production, and tests should see the text users
see. Also adds the entities Telegram detects by itself (commands, mentions, hashtags,
URLs). Offsets and lengths are UTF-16 code units, as in the real API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from .core import bad_request

Entity = dict[str, Any]

_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32})"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
    r"|(?P<url>https?://[^\s<>\"]+)"
)
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$")
_URL_TAIL = ".,;:!?)）。，；：！？"


class ParseError(ValueError):
    """Formatting the server would reject."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def auto_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram adds on its own, skipping ranges already covered by ``existing``."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing or ()]
    found: list[Entity] = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "url":
            value = value.rstrip(_URL_TAIL)
        start = utf16_len(text[: match.start()])
        end = start + utf16_len(value)
        if any(start < b and a < end for a, b in taken):
            continue
        found.append({"type": kind, "offset": start, "length": end - start})
    return found


def format_text(
    text: str,
    parse_mode: str | None,
    entities: Any = None,
    find_user: Callable[[int], dict[str, Any] | None] | None = None,
) -> tuple[str, list[Entity]]:
    """Apply explicit ``entities`` or ``parse_mode``, then auto-detection; raise a 400 on bad input.

    Links to ``tg://user?id=N`` become ``text_mention`` entities when ``find_user`` knows N.
    """
    if entities is not None:
        if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
            raise bad_request("can't parse entities JSON object")
        parsed = [dict(e) for e in entities]
    else:
        mode = (parse_mode or "").lower()
        try:
            if mode == "":
                parsed = []
            elif mode == "html":
                text, parsed = _parse_html(text)
            elif mode in ("markdownv2", "markdown"):
                text, parsed = _parse_markdown(text, v2=mode == "markdownv2")
            else:
                raise bad_request("unsupported parse_mode")
        except ParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    for entity in parsed:
        link = _USER_LINK.match(str(entity.get("url", ""))) if entity.get("type") == "text_link" else None
        user = find_user(int(link.group(1))) if link and find_user else None
        if user is not None:
            entity.pop("url")
            entity.update(type="text_mention", user=dict(user))
    merged = parsed + auto_entities(text, parsed)
    merged.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, merged


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _Html(HTMLParser):
    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=True)
        self.raw = raw
        self.parts: list[str] = []
        self.pos16 = 0
        self.stack: list[tuple[str, Entity | None]] = []
        self.entities: list[Entity] = []

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        lines = self.raw.split("\n")
        index = sum(len(x) + 1 for x in lines[: line - 1]) + col
        return len(self.raw[:index].encode())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.pos16 += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        values = {k: v or "" for k, v in attrs}
        if kind is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            raise ParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        entity: Entity | None = {"type": kind, "offset": self.pos16}
        if tag == "a":
            entity = {**entity, "url": values["href"]} if values.get("href") else None
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = values.get("emoji-id", "")
        elif tag == "blockquote" and "expandable" in values:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = values.get("class", "")
            pre = self.stack[-1][1]
            if language.startswith("language-") and pre is not None:
                pre["language"] = language.removeprefix("language-")
                entity = None
        self.stack.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise ParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise ParseError(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity = self.stack.pop()
        if open_tag != tag:
            raise ParseError(
                f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None and self.pos16 > entity["offset"]:
            entity["length"] = self.pos16 - entity["offset"]
            self.entities.append(entity)


def _parse_html(raw: str) -> tuple[str, list[Entity]]:
    parser = _Html(raw)
    parser.feed(raw)
    parser.close()
    if parser.stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    return "".join(parser.parts), parser.entities


_MD_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler", "[": "TextUrl"}
_MD_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _find_unescaped(src: str, token: str, start: int, v2: bool) -> int:
    """Index of ``token`` at or after ``start``, skipping backslash-escaped characters (V2 only)."""
    i = start
    while i < len(src):
        if v2 and src[i] == "\\":
            i += 2
        elif src.startswith(token, i):
            return i
        else:
            i += 1
    return -1


def _parse_markdown(src: str, *, v2: bool) -> tuple[str, list[Entity]]:
    """MarkdownV2 (strict escaping) or legacy Markdown (``*bold* _italic_ `code` [t](url)``)."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, utf-16 offset, byte offset
    entities: list[Entity] = []
    escapable = None if v2 else set("_*`[")
    i, n = 0, len(src)

    def emit(chunk: str) -> None:
        nonlocal pos16
        out.append(chunk)
        pos16 += utf16_len(chunk)

    def byte_at(index: int) -> int:
        return len(src[:index].encode())

    while i < n:
        c = src[i]
        two = src[i : i + 2]
        if c == "\\" and i + 1 < n and (escapable is None or src[i + 1] in escapable):
            emit(src[i + 1])
            i += 2
        elif c == "`":
            fence = "```" if src.startswith("```", i) else "`"
            end = _find_unescaped(src, fence, i + len(fence), v2)
            if end < 0:
                name = "Pre" if fence == "```" else "Code"
                raise ParseError(f"Can't find end of {name} entity at byte offset {byte_at(i)}")
            body = src[i + len(fence) : end]
            entity: Entity = {"type": "pre" if fence == "```" else "code", "offset": pos16}
            if fence == "```" and "\n" in body and body.split("\n", 1)[0].strip():
                entity["language"], body = body.split("\n", 1)
            body = re.sub(r"\\([`\\])", r"\1", body) if v2 else body
            emit(body)
            entity["length"] = pos16 - entity["offset"]
            if entity["length"]:
                entities.append(entity)
            i = end + len(fence)
        elif c in "*_~|[" and (v2 or c in "*_["):
            marker = "__" if v2 and two == "__" else "||" if two == "||" else c
            if marker == "|" or (marker in "~||" and not v2):
                raise ParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
            open_index = next((k for k, s in enumerate(stack) if s[0] == marker), None)
            if marker == "[" or open_index is None:
                stack.append((marker, pos16, byte_at(i)))
            else:
                _, start, _ = stack.pop(open_index)
                if pos16 > start:
                    entities.append({"type": _MD_TYPES[marker], "offset": start, "length": pos16 - start})
            i += len(marker)
        elif c == "]" and any(s[0] == "[" for s in stack):
            k = max(k for k, s in enumerate(stack) if s[0] == "[")
            _, start, _ = stack.pop(k)
            close = _find_unescaped(src, ")", i, v2)
            if not src.startswith("(", i + 1) or close < 0:
                raise ParseError(f"Can't find end of a URL at byte offset {byte_at(i)}")
            url = src[i + 2 : close].replace("\\)", ")")
            if pos16 > start:
                entities.append({"type": "text_link", "offset": start, "length": pos16 - start, "url": url})
            i = close + 1
        elif v2 and c == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1  # blockquote marker: kept simple, no entity
        elif v2 and c in _MD2_RESERVED:
            raise ParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        else:
            emit(c)
            i += 1
    if stack:
        marker, _, at = stack[-1]
        if v2:
            raise ParseError(f"Can't find end of {_MD_NAMES[marker]} entity at byte offset {at}")
        raise ParseError(f"Can't find end of the entity starting at byte offset {at}")
    return "".join(out), entities
