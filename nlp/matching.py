"""Finding lexicon words in a message: cues and keywords by substring, single characters by token.

Residents write without spaces and jieba sometimes cuts a keyword across a stronger dictionary word
(月租车位 → 月/租车/位), so keywords of two or more characters are found in the text itself, longest
first from the left. A one-character keyword (灯, 坑, 偷) would fire inside unrelated words (坑人), so it
counts only where the segmenter made it a word of its own and no longer keyword covers it.

Both searches run in one pass of an Aho-Corasick automaton (ahocorasick-rs): scanning the message
character by character in Python cost a sixth of every classification.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ahocorasick_rs import AhoCorasick, MatchKind

_WHITESPACE = re.compile(r"\s+")


def _by_start_then_longest(match: tuple[int, int, int]) -> tuple[int, int]:
    return match[1], -match[2]


class PhraseTable:
    """All phrases of a fixed set that occur in a text (overlaps allowed), in order of appearance."""

    def __init__(self, phrases: Iterable[str]):
        self._list = sorted({p for p in phrases if p})
        self._automaton = AhoCorasick(self._list)

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        for _, piece in self.spans(text):
            if piece not in found:
                found.append(piece)
        return found

    def spans(self, text: str) -> list[tuple[int, str]]:
        """(start, phrase) of every occurrence, by start, the longer first where two start together."""
        matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
        if len(matches) > 1:
            matches.sort(key=_by_start_then_longest)
        phrases = self._list
        return [(start, phrases[index]) for index, start, _ in matches]


class KeywordIndex:
    """Non-overlapping keyword matches: longest-first substrings, then stand-alone one-character tokens."""

    def __init__(self, words: Iterable[str]):
        words = {w for w in words if w}
        self._single = frozenset(w for w in words if len(w) == 1)
        self._words = sorted(words)
        # leftmost-longest is the greedy scan: at the first place any keyword starts, the longest one there; so
        # a one-character keyword is found exactly where no longer keyword covers it
        self._automaton = AhoCorasick(self._words, matchkind=MatchKind.LeftmostLongest)

    def find(self, text: str, tokens: list[str]) -> list[str]:
        """Keywords in order of first appearance (multi-character first, then single characters)."""
        return list(self.count(text, tokens))

    def count(self, text: str, tokens: list[str] | Callable[[str], list[str]] | None = None) -> dict[str, int]:
        """Keyword → number of occurrences, in order of first appearance (multi-character first).

        `tokens` is `text` segmented with only whitespace dropped (as every Segmenter does), or the
        segmenter itself: it is then called only when a one-character keyword is left uncovered by the
        longer ones, which most messages never need. None: every character is a token of its own. The
        search runs on the text without whitespace, so a token's offset is the sum of the lengths before it.
        """
        joined = "".join(tokens) if isinstance(tokens, list) else _WHITESPACE.sub("", text)
        found: dict[str, int] = {}
        words = self._words
        uncovered: list[tuple[int, str]] = []  # one-character keywords outside every longer one
        for index, start, end in self._automaton.find_matches_as_indexes(joined):
            word = words[index]
            if end - start == 1:
                uncovered.append((start, word))
            else:
                found[word] = found.get(word, 0) + 1
        if not uncovered:
            return found
        if tokens is None:
            for _, word in uncovered:
                found[word] = found.get(word, 0) + 1
            return found
        if not isinstance(tokens, list):
            tokens = tokens(text)
        places = {start for start, _ in uncovered}
        single = self._single
        position = 0
        for token in tokens:
            if token in single and position in places:
                found[token] = found.get(token, 0) + 1
            position += len(token)
        return found
