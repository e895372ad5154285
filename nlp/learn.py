"""Mine a weighted keyword lexicon from labelled messages (a county's historical 12345 tickets).

The result must stay a list a person can read and edit, so the model is linear over keyword presence:
each category keeps at most `max_keywords` words with weights (negative = evidence against) and a bias.
Features are exactly what the classifier sees at run time: the lexicon words found in the message,
weighted by sublinear tf × idf and L2-normalised ("tfidf" norm; the idf table is stored in the lexicon).
Training is a one-vs-rest linear SVM by dual coordinate descent (liblinear's algorithm) in pure Python,
so learning needs nothing beyond the run-time dependencies.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from nlp.classifier import tfidf
from nlp.lexicon import Category, Lexicon, default_lexicon
from nlp.matching import KeywordIndex
from nlp.segment import Segmenter, best_segmenter

_WORDLIKE = re.compile(r"[\u4e00-\u9fff]")
_STOP = frozenset(
    "我们 你们 他们 这个 那个 什么 没有 一个 就是 还是 但是 因为 所以".split()
    + "如果 可以 已经 自己 这些 那些 现在".split()
)

Features = list[tuple[str, float]]


def _features(index: KeywordIndex, text: str, tokens: list[str], idf: dict[str, float]) -> Features:
    return list(tfidf(index.count(text, tokens), idf).items())


def _train(
    docs: Sequence[Features], labels: Sequence[int], classes: int, epochs: int, seed: int, c: float = 1.0
) -> tuple[dict[str, list[float]], list[float]]:
    """One-vs-rest linear SVM (squared hinge, L2) by dual coordinate descent, as liblinear does it."""
    weights: dict[str, list[float]] = {}
    bias = [0.0] * classes
    diag = 1 / (2 * c)
    norms = [sum(v * v for _, v in feats) + 1.0 + diag for feats in docs]  # +1: the bias feature
    rng = random.Random(seed)
    for k in range(classes):
        w: dict[str, float] = {}
        b = 0.0
        alpha = [0.0] * len(docs)
        ys = [1.0 if label == k else -1.0 for label in labels]
        order = list(range(len(docs)))
        for _ in range(epochs):
            rng.shuffle(order)
            for i in order:
                feats, y = docs[i], ys[i]
                margin = b + sum(w.get(word, 0.0) * v for word, v in feats)
                gradient = y * margin - 1 + diag * alpha[i]
                if alpha[i] == 0.0 and gradient >= 0:
                    continue
                old = alpha[i]
                alpha[i] = max(old - gradient / norms[i], 0.0)
                step = (alpha[i] - old) * y
                if step:
                    for word, v in feats:
                        w[word] = w.get(word, 0.0) + step * v
                    b += step
        for word, value in w.items():
            weights.setdefault(word, [0.0] * classes)[k] = value
        bias[k] = b
    return weights, bias


def learn(
    rows: Iterable[tuple[str, str]],
    *,
    max_keywords: int = 300,
    min_df: int = 2,
    epochs: int = 10,
    c: float = 0.5,  # tuned on taidi2020 dev: 0.5 → 0.868, 1 → 0.865, 2 → 0.863
    base: Lexicon | None = None,
    segmenter: Segmenter | None = None,
    seed: int = 13,
) -> Lexicon:
    """A lexicon with per-category weighted keywords and biases learned from (text, label) rows.

    Intent cues and urgent words come from `base` (the built-in lexicon by default), so a learned
    lexicon still tells chatter from requests in a group.
    """
    data = [(text, label) for text, label in rows if text and label]
    if not data:
        raise ValueError("no labelled rows to learn from")
    segmenter = segmenter or best_segmenter()
    base = base or default_lexicon()
    names = sorted({label for _, label in data})
    label_ids = [names.index(label) for _, label in data]
    tokens = [segmenter.cut(text) for text, _ in data]
    df = Counter(word for toks in tokens for word in set(toks))
    candidates = [w for w, n in df.items() if n >= min_df and len(w) >= 2 and _WORDLIKE.search(w) and w not in _STOP]
    vocab = set(candidates)
    idf = {w: math.log((1 + len(data)) / (1 + n)) + 1 for w, n in df.items() if w in vocab}
    # fit on all candidates, keep each class's strongest words, refit on what is kept, narrowing step by step
    for limit in (max_keywords * 8, max_keywords * 3, max_keywords, max_keywords):
        index = KeywordIndex(vocab)
        docs = [_features(index, text, toks, idf) for (text, _), toks in zip(data, tokens, strict=True)]
        weights, bias = _train(docs, label_ids, len(names), epochs, seed, c)
        kept: dict[int, dict[str, float]] = {}
        for c in range(len(names)):
            ranked = sorted(weights.items(), key=lambda item: -abs(item[1][c]))
            kept[c] = {word: row[c] for word, row in ranked[:limit] if abs(row[c]) > 1e-6}
        vocab = {word for words in kept.values() for word in words}
    categories = tuple(
        Category(id=name, name=name, keywords={w: round(v, 4) for w, v in kept[c].items()}, bias=round(bias[c], 4))
        for c, name in enumerate(names)
    )
    majority = Counter(label for _, label in data).most_common(1)[0][0]
    return replace(
        base,
        categories=categories,
        urgent_categories={k: v for k, v in base.urgent_categories.items() if v in names},
        fallback=majority,
        norm="tfidf",
        idf={word: round(idf[word], 4) for word in sorted(vocab, key=idf.get)},
        description=f"learned from {len(data)} labelled messages; ≤ {max_keywords} keywords per category",
    )
