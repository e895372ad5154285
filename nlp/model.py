"""A learned lexicon applied as what it is: a linear model over every occurrence of its keywords.

`learn` writes such lexicons (`match = "all"`, `norm = "tfidf"`). The classifier uses one as its
category model when an admin loads a county's learned lexicon, and the built-in grid model
(`grid_model.toml`, learned from labelled grid-group messages) beside the hand-written lexicon: it scores
"chatter" and each category from one- and two-character pieces, which carries over to wordings no
keyword list foresaw; and the urgent model (`urgent_model.toml`), "urgent" against "calm", which reports
an emergency that no urgent word shows.
"""

from __future__ import annotations

import hashlib
import math
import operator
import os
import pickle
import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from itertools import chain

from nlp.lexicon import Lexicon, parse_lexicon
from nlp.matching import PhraseTable
from nlp.segment import cache_dir

MENTION = re.compile(r"@[^\s@，。,:：]{1,12}")


def message_body(text: str) -> str:
    """The text a model sees: trimmed, @-mentions blanked (they name people, not problems)."""
    return MENTION.sub(" ", text.strip())


def piece_counts(body: str) -> Counter[str]:
    """Every one- and two-character piece of `body` that has no space in it, counted."""
    runs = body.split()
    counts = Counter("".join(runs))
    counts.update(chain.from_iterable(map(operator.add, run, run[1:]) for run in runs))
    return counts


def tfidf(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Sublinear tf × idf, L2-normalised: how `learn` weighs the words of a message."""
    raw = {word: (1 + math.log(n)) * idf.get(word, 1.0) for word, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {word: v / norm for word, v in raw.items()}


class LinearModel:
    """Per-class scores of a message under a learned lexicon: bias + Σ weight × tf-idf of each keyword."""

    def __init__(self, lexicon: Lexicon):
        self.ids = [cat.id for cat in lexicon.categories]
        self.biases = [cat.bias for cat in lexicon.categories]
        self.idf = dict(lexicon.idf)
        self.weights: dict[str, list[tuple[int, float]]] = {}
        for index, cat in enumerate(lexicon.categories):
            for word, weight in cat.keywords.items():
                self.weights.setdefault(word, []).append((index, weight))
        self._table = PhraseTable(self.weights)
        for word in self.weights:
            self.idf.setdefault(word, 1.0)
        self._squares = {word: self.idf[word] ** 2 for word in self.weights}
        self._rows: dict[str, list[float]] = {}
        for word, row in self.weights.items():
            dense = [0.0] * len(self.ids)
            for index, weight in row:
                dense[index] += weight * self.idf[word]
            self._rows[word] = dense
        # a model of one- and two-character pieces (the grid models) reads them off the text directly
        self.short = all(len(word) <= 2 for word in self.weights)

    def counts(self, body: str, pieces: Counter[str] | None = None) -> dict[str, int]:
        """Every occurrence of every keyword, overlaps included; `pieces`: piece_counts(body), if known."""
        if self.short:
            weights = self.weights
            return {word: n for word, n in (pieces or piece_counts(body)).items() if word in weights}
        return dict(Counter(piece for _, piece in self._table.spans(body)))

    def scores(self, body: str, pieces: Counter[str] | None = None) -> list[float]:
        """One score per class, in the lexicon's order: tfidf() and the weighted sum in one pass.

        Each keyword's row holds idf × weight for every class, so a message sums whole rows (column by
        column, in C) and scales the sums once by its tf-idf norm."""
        rows, squares = self._rows, self._squares
        counts = (pieces or piece_counts(body)) if self.short else self.counts(body)
        found = []
        total = 0.0
        for word in counts.keys() & rows.keys():  # most pieces are not keywords: skip them in C
            n = counts[word]
            if n == 1:
                found.append(rows[word])
                total += squares[word]
            else:
                tf = 1 + math.log(n)
                found.append([tf * x for x in rows[word]])
                total += tf * tf * squares[word]
        if not found:
            return list(self.biases)
        scale = 1 / math.sqrt(total)
        return [bias + scale * sum(column) for bias, column in zip(self.biases, zip(*found, strict=True), strict=True)]

    def evidence(self, body: str, index: int, limit: int = 3) -> tuple[str, ...]:
        """The pieces of the message that count most for class `index`, for the explanation."""
        found = [
            (weight, word)
            for word in self.counts(body)
            for i, weight in self.weights[word]
            if i == index and weight > 0 and len(word) >= 2
        ]
        return tuple(word for _, word in sorted(found, reverse=True)[:limit])


class ModelSet:
    """Several piece models scored in one pass over a message (the grid model and the urgent model):
    one lookup per piece, each model's columns scaled by its own tf-idf norm."""

    def __init__(self, models: Sequence[LinearModel]):
        if not all(model.short for model in models):
            raise ValueError("a ModelSet takes models of one- and two-character pieces only")
        self.models = list(models)
        widths = [len(model.ids) for model in models]
        self._starts = [sum(widths[:i]) for i in range(len(widths))]
        self._widths = widths
        self._count = len(models)
        # one row per piece: every model's idf × weight columns, then each model's idf² (for its norm),
        # so summing the rows column by column gives the weighted sums and the norms at once
        self._repeated: dict[tuple[str, int], list[float]] = {}
        self._rows: dict[str, list[float]] = {}
        for word in set().union(*(model._rows for model in models)):
            row: list[float] = []
            for model, width in zip(models, widths, strict=True):
                row += model._rows.get(word, [0.0] * width)
            row += [model._squares.get(word, 0.0) for model in models]
            self._rows[word] = row

    def _scaled(self, word: str, n: int) -> list[float]:
        """The row of a piece that occurs n > 1 times: weights × (1 + ln n), squares × (1 + ln n)²."""
        row = self._repeated.get((word, n))
        if row is None:
            tf = 1 + math.log(n)
            row = self._rows[word]
            cut = len(row) - self._count
            row = [tf * x for x in row[:cut]] + [tf * tf * x for x in row[cut:]]
            if len(self._repeated) < 100_000:  # bounded: pieces × small counts
                self._repeated[(word, n)] = row
        return row

    def scores(self, body: str) -> list[list[float]]:
        """Each model's scores, as LinearModel.scores gives them."""
        counts = piece_counts(body)
        rows = self._rows
        found = [rows[w] if counts[w] == 1 else self._scaled(w, counts[w]) for w in counts.keys() & rows.keys()]
        if not found:
            return [list(model.biases) for model in self.models]
        sums = [sum(column) for column in zip(*found, strict=True)]
        totals = sums[len(sums) - self._count :]
        result = []
        for model, start, width, total in zip(self.models, self._starts, self._widths, totals, strict=True):
            if not total:
                result.append(list(model.biases))
                continue
            scale = 1 / math.sqrt(total)
            result.append([b + scale * x for b, x in zip(model.biases, sums[start : start + width], strict=True)])
        return result


@lru_cache(maxsize=1)
def default_model() -> Lexicon:
    """The built-in grid model: "chatter" and the 12 grid categories, learned by bench/learn_grid.py."""
    return _packaged("grid_model.toml")


@lru_cache(maxsize=1)
def default_urgent_model() -> Lexicon:
    """The built-in urgent model: "urgent" and "calm", learned by bench/learn_grid.py."""
    return _packaged("urgent_model.toml")


def _packaged(name: str) -> Lexicon:
    """A built-in model, parsed once per content and kept pickled in the user's cache: parsing the grid model's
    TOML took 0.23 s of every start. A cache that is missing, unreadable or stale is simply parsed anew."""
    data = (resources.files("nlp") / name).read_bytes()
    # the content and the shape of Lexicon name the cache, so an edited model or a new field never reads an old one
    key = hashlib.sha1(data + repr(sorted(Lexicon.__dataclass_fields__)).encode()).hexdigest()[:16]
    cached = cache_dir() / f"{name}.{key}.pickle"
    try:
        with open(cached, "rb") as handle:
            lexicon = pickle.load(handle)
        if isinstance(lexicon, Lexicon):
            return lexicon
    except Exception:  # noqa: BLE001 - any trouble with the cache means: parse the file
        pass
    lexicon = parse_lexicon(tomllib.loads(data.decode("utf-8")), f"nlp/{name}")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            pickle.dump(lexicon, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cached)  # whole or not at all, even with two processes starting at once
    except OSError:
        pass  # a read-only home: parse every time
    return lexicon
