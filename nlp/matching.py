"""Finding lexicon words in a message: cues and keywords by substring, single characters by token.

Residents write without spaces and jieba sometimes cuts a keyword across a stronger dictionary word
(月租车位 → 月/租车/位), so keywords of two or more characters are found in the text itself, longest
first from the left. A one-character keyword (灯, 坑, 偷) would fire inside unrelated words (坑人), so it
counts only where the segmenter made it a word of its own and no longer keyword covers it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_WHITESPACE = re.compile(r"\s+")


class PhraseTable:
    """All phrases of a fixed set that occur in a text (overlaps allowed), in order of appearance."""

    def __init__(self, phrases: Iterable[str]):
        self.phrases = frozenset(p for p in phrases if p)
        self._by_start = _lengths_by_start(self.phrases)

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        for _, piece in self.spans(text):
            if piece not in found:
                found.append(piece)
        return found

    def spans(self, text: str) -> list[tuple[int, str]]:
        """(start, phrase) of every occurrence."""
        found: list[tuple[int, str]] = []
        phrases, by_start = self.phrases, self._by_start
        for i, char in enumerate(text):
            lengths = by_start.get(char)
            if lengths is None:
                continue
            for length in lengths:
                piece = text[i : i + length]
                if piece in phrases:
                    found.append((i, piece))
        return found


def _lengths_by_start(phrases: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """First character → the lengths of phrases starting with it, longest first (few slices per char)."""
    lengths: dict[str, set[int]] = {}
    for phrase in phrases:
        lengths.setdefault(phrase[0], set()).add(len(phrase))
    return {char: tuple(sorted(found, reverse=True)) for char, found in lengths.items()}


class KeywordIndex:
    """Non-overlapping keyword matches: longest-first substrings, then stand-alone one-character tokens."""

    def __init__(self, words: Iterable[str]):
        words = [w for w in words if w]
        self._multi = frozenset(w for w in words if len(w) >= 2)
        self._single = frozenset(w for w in words if len(w) == 1)
        self._by_start = _lengths_by_start(self._multi)

    def find(self, text: str, tokens: list[str]) -> list[str]:
        """Keywords in order of first appearance (multi-character first, then single characters)."""
        return list(self.count(text, tokens))

    def count(self, text: str, tokens: list[str] | Callable[[str], list[str]]) -> dict[str, int]:
        """Keyword → number of occurrences, in order of first appearance.

        `tokens` is `text` segmented with only whitespace dropped (as every Segmenter does), or the
        segmenter itself: it is then called only when a one-character keyword is left uncovered by the
        longer ones, which most messages never need. The search runs on the text without whitespace, so
        a token's offset is the sum of the lengths before it.
        """
        multi, by_start = self._multi, self._by_start
        joined = "".join(tokens) if isinstance(tokens, list) else _WHITESPACE.sub("", text)
        found: dict[str, int] = {}
        covered: set[int] = set()
        n = len(joined)
        i = 0
        while i < n:
            lengths = by_start.get(joined[i])
            if lengths is not None:
                for length in lengths:
                    piece = joined[i : i + length]
                    if piece in multi:
                        found[piece] = found.get(piece, 0) + 1
                        covered.update(range(i, i + length))
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        single = self._single
        if (
            single
            and not single.isdisjoint(joined)
            and any(char in single and at not in covered for at, char in enumerate(joined))
        ):
            if not isinstance(tokens, list):
                tokens = tokens(text)
            position = 0
            for token in tokens:
                if token in single and position not in covered:
                    found[token] = found.get(token, 0) + 1
                position += len(token)
        return found
