"""Finding lexicon words in a message: cues and keywords by substring, single characters by token.

Residents write without spaces and jieba sometimes cuts a keyword across a stronger dictionary word
(月租车位 → 月/租车/位), so keywords of two or more characters are found in the text itself, longest
first from the left. A one-character keyword (灯, 坑, 偷) would fire inside unrelated words (坑人), so it
counts only where the segmenter made it a word of its own and no longer keyword covers it.
"""

from __future__ import annotations

from collections.abc import Iterable


class PhraseTable:
    """All phrases of a fixed set that occur in a text (overlaps allowed), in order of appearance."""

    def __init__(self, phrases: Iterable[str]):
        self.phrases = frozenset(p for p in phrases if p)
        self._lengths = sorted({len(p) for p in self.phrases}, reverse=True)
        self._starts = frozenset(p[0] for p in self.phrases)

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        for _, piece in self.spans(text):
            if piece not in found:
                found.append(piece)
        return found

    def spans(self, text: str) -> list[tuple[int, str]]:
        """(start, phrase) of every occurrence."""
        found: list[tuple[int, str]] = []
        phrases, starts, lengths = self.phrases, self._starts, self._lengths
        n = len(text)
        for i, char in enumerate(text):
            if char not in starts:
                continue
            for length in lengths:
                if i + length <= n:
                    piece = text[i : i + length]
                    if piece in phrases:
                        found.append((i, piece))
        return found


class KeywordIndex:
    """Non-overlapping keyword matches: longest-first substrings, then stand-alone one-character tokens."""

    def __init__(self, words: Iterable[str]):
        words = [w for w in words if w]
        self._multi = frozenset(w for w in words if len(w) >= 2)
        self._single = frozenset(w for w in words if len(w) == 1)
        self._lengths = sorted({len(w) for w in self._multi}, reverse=True)
        self._starts = frozenset(w[0] for w in self._multi)

    def find(self, text: str, tokens: list[str]) -> list[str]:
        """Keywords in order of first appearance (multi-character first, then single characters)."""
        return list(self.count(text, tokens))

    def count(self, text: str, tokens: list[str]) -> dict[str, int]:
        """Keyword → number of occurrences, in order of first appearance."""
        multi, starts, lengths = self._multi, self._starts, self._lengths
        found: dict[str, int] = {}
        covered: set[int] = set()
        n = len(text)
        i = 0
        while i < n:
            if text[i] in starts:
                for length in lengths:
                    piece = text[i : i + length]
                    if len(piece) == length and piece in multi:
                        found[piece] = found.get(piece, 0) + 1
                        covered.update(range(i, i + length))
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        if self._single:
            position = 0
            for token in tokens:
                start = text.find(token, position)
                if start < 0:
                    continue
                position = start + len(token)
                if token in self._single and start not in covered:
                    found[token] = found.get(token, 0) + 1
        return found
