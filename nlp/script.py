"""Traditional characters (樓道裡有人著火了) read as simplified, so one lexicon serves both scripts.

Residents in Hong Kong, Macau and Taiwan, and phones set to traditional input, write 煤氣 and 漏電; the
lexicon, the learned models and jieba's dictionary are simplified. OpenCC converts by phrase (乾淨 → 干净,
乾隆 stays); it leaves 著 alone because simplified keeps it for 著名, so the verbal 著 (著火, 睡著, 著急) is
turned into 着 here.
"""

from __future__ import annotations

import re
from functools import lru_cache

# 著 is the simplified 著 in these words (著名, 显著, 土著); everywhere else it is the traditional 着
_ZHU = re.compile(r"(?<![显顯卓土编編原名巨论論专專合译譯拙])著(?![名作称稱述录錄书書者])")


@lru_cache(maxsize=1)
def _converter():
    import opencc  # 0.03 s; loaded the first time a message needs it

    return opencc.OpenCC("t2s")


# written Cantonese keeps these in simplified text too (係唔係, 搵人): the lexicon and models know them as they are
_CANTONESE = frozenset("係搵")


def to_simplified(text: str) -> str:
    """`text` in simplified characters; simplified text comes back unchanged."""
    if text.isascii():
        return text
    simplified = _converter().convert(text)
    if simplified != text and len(simplified) == len(text) and not _CANTONESE.isdisjoint(text):
        simplified = "".join(old if old in _CANTONESE else new for old, new in zip(text, simplified, strict=True))
    return _ZHU.sub("着", simplified) if "著" in simplified else simplified
