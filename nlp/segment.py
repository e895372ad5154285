"""Word segmentation behind a small interface, so the Rust port of jieba can serve where installed.

Both segmenters use jieba's default dictionary with HMM for unknown words, and both accept added words
(the lexicon's keywords), so a classifier gives the same answer whichever one it runs on.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Segmenter(Protocol):
    """What the classifier needs from a segmenter."""

    name: str

    def cut(self, text: str) -> list[str]: ...

    def add_word(self, word: str) -> None: ...


# Only runs of Chinese characters go to the engine: jieba and jieba-rs treat digits and punctuation
# differently (7:30-17:30), so the rest is split here the same way for both.
_PIECES = re.compile(r"([\u4e00-\u9fff]+)|([A-Za-z0-9]+(?:[.][0-9]+)?)|(\S)")


def split_pieces(text: str, cut_han) -> list[str]:
    """Segment `text`: Chinese runs by `cut_han`, words and numbers whole, other characters one by one."""
    tokens: list[str] = []
    for match in _PIECES.finditer(text):
        han = match.group(1)
        if han is None:
            tokens.append(match.group(0))
        elif len(han) == 1:
            tokens.append(han)
        else:
            tokens.extend(cut_han(han))
    return tokens


def cache_dir() -> Path:
    """Per-user cache for jieba's prefix dictionary, so the second start skips the 1 s rebuild."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gridbot"


class JiebaSegmenter:
    """jieba with its own Tokenizer instance: added words never leak into other users of jieba.

    The dictionary (a second or more to load) is read on the first cut, not at start: the classifier
    segments only messages where a one-character keyword needs it, and many runs never do.
    """

    name = "jieba"

    def __init__(self, cache: Path | None = None):
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)  # its load banner is noise on stderr
        self._tokenizer = jieba.Tokenizer()
        folder = cache or cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._tokenizer.tmp_dir = str(folder)
            self._tokenizer.cache_file = "jieba-default.cache"
        except OSError:
            pass  # read-only home: jieba falls back to the system temp dir
        self._pending: list[str] | None = []  # words added before the dictionary is loaded
        self._cut_dag = None

    def _load(self) -> None:
        self._tokenizer.initialize()
        for word in self._pending or ():
            self._tokenizer.add_word(word)
        self._pending = None
        # The pieces handed over are pure Chinese runs, so jieba's own block splitting is skipped
        # (it dominated the cost on short messages); jieba is pinned to 0.42, where this method exists.
        self._cut_dag = getattr(self._tokenizer, "_Tokenizer__cut_DAG", None)

    def cut(self, text: str) -> list[str]:
        if self._pending is not None:
            self._load()
        return split_pieces(text, self._cut)

    def _cut(self, han: str) -> list[str]:
        if self._cut_dag is not None:
            return list(self._cut_dag(han))
        return self._tokenizer.lcut(han, HMM=True)

    def add_word(self, word: str) -> None:
        if self._pending is not None:
            self._pending.append(word)
        else:
            self._tokenizer.add_word(word)


class RjiebaSegmenter:
    """jieba-rs through rjieba: same dictionary and HMM, several times faster on short messages.

    Its dictionary (0.2 s) is built on the first cut, as jieba's is: most runs of the built-in lexicon never cut.
    """

    name = "rjieba"

    def __init__(self) -> None:
        import rjieba  # here, so that a missing rjieba falls back to jieba at once

        self._module = rjieba
        self._jieba = None
        self._pending: list[str] = []  # words added before the dictionary is built
        self._lock = threading.Lock()  # two threads cutting first must not build two dictionaries

    def _load(self):
        with self._lock:
            if self._jieba is None:
                jieba = self._module.Jieba()
                for word in self._pending:
                    self._add(jieba, word)
                self._jieba = jieba
                self._pending = []
            return self._jieba

    def cut(self, text: str) -> list[str]:
        return split_pieces(text, self._cut)

    def _cut(self, han: str) -> list[str]:
        return (self._jieba or self._load()).cut(han, True)

    def add_word(self, word: str) -> None:
        with self._lock:
            if self._jieba is None:
                self._pending.append(word)
                return
        self._add(self._jieba, word)

    @staticmethod
    def _add(jieba, word: str) -> None:
        # Same rule as jieba's add_word(word): the suggested frequency makes the word win over its parts.
        jieba.add_word(word, jieba.suggest_freq(word), None)


def best_segmenter(prefer: str | None = None) -> Segmenter:
    """rjieba when installed (or asked for), else jieba; GRIDBOT_SEGMENTER=jieba|rjieba overrides."""
    choice = prefer or os.environ.get("GRIDBOT_SEGMENTER", "")
    if choice != "jieba":
        try:
            return RjiebaSegmenter()
        except ImportError:
            if choice == "rjieba":
                raise
    return JiebaSegmenter()
