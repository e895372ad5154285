"""Masking of personal numbers in anything the bot posts to a group (the full text stays in DMs and the DB)."""

from __future__ import annotations

import re

# Order matters: the longest patterns first, so an ID card is not half-masked as a phone number.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
_BANK_CARD = re.compile(r"(?<!\d)(\d{4})((?:[ -]?\d){8,11})[ -]?((?:\d[ -]?){3}\d)(?![ -]?\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask(text: str) -> str:
    """Hide the middle of ID-card, bank-card and phone numbers."""
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    text = _BANK_CARD.sub(lambda m: m.group(1) + " **** **** " + m.group(3).strip(" -"), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return text
