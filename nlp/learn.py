"""Mine a weighted keyword lexicon from labelled messages (a county's historical 12345 tickets).

The result must stay a list a person can read and edit, so the model is linear over keywords: each
category keeps at most `max_keywords` words with weights (negative = evidence against) and a bias.
Candidates are the segmenter's words and every two-character run of Chinese (路灯, 噪音, 欠薪 also
where jieba cuts them otherwise). Features are exactly what the classifier computes at run time for a
learned lexicon (`match = "all"`, `norm = "tfidf"`): every occurrence of every keyword, weighted by
sublinear tf × idf and L2-normalised; the idf table is stored in the lexicon.

The model is a one-vs-rest linear SVM (squared hinge, L2). Keywords are chosen by fitting on all
candidates and keeping each category's strongest words, narrowing in a few rounds, then the final
model is fitted on what is kept. scikit-learn does the fitting when installed (extra `learn`); without
it a pure-Python dual coordinate descent (liblinear's algorithm) does the same, only slower.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from nlp.lexicon import Category, Lexicon, default_lexicon
from nlp.matching import PhraseTable
from nlp.model import message_body
from nlp.script import to_simplified
from nlp.segment import Segmenter, best_segmenter

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_RUN = re.compile(r"\S+")
_STOP = frozenset(
    "我们 你们 他们 这个 那个 什么 没有 一个 就是 还是 但是 因为 所以".split()
    + "如果 可以 已经 自己 这些 那些 现在".split()
)

# tuned on taidi2020 dev.csv (bench/learn_taidi.py): keywords per category 300 → 0.891, 400 → 0.897, 500 → 0.894
MAX_KEYWORDS = 400
C = 0.5  # SVM regularisation, selection and final fit (400 words): 0.3 → 0.895, 0.5 → 0.897, 1 → 0.882
ROUNDS = (8, 3, 1)  # keep 8×, then 3×, then 1× max_keywords per category before the final fit

Counts = dict[str, int]
Weights = list[dict[str, float]]  # per class: word → weight


FEATURES = ("words", "chars")


def candidates(text: str, tokens: Sequence[str]) -> set[str]:
    """The words a message offers as keywords: segmenter words and two-character runs of Chinese."""
    words = {t for t in tokens if len(t) >= 2 and _HAN.search(t) and t not in _STOP}
    for run in _HAN_RUN.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def pieces(text: str) -> set[str]:
    """Every one- and two-character piece of a message that has no space in it (emoji and ？ count)."""
    found: set[str] = set()
    for run in _RUN.findall(text):
        found.update(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return found


def learn(
    rows: Iterable[tuple[str, str]],
    *,
    max_keywords: int = MAX_KEYWORDS,
    min_df: int = 2,
    c: float = C,
    rounds: Sequence[int] = ROUNDS,
    base: Lexicon | None = None,
    segmenter: Segmenter | None = None,
    seed: int = 13,
    features: str = "words",
) -> Lexicon:
    """A lexicon with per-category weighted keywords and biases learned from (text, label) rows.

    `features`: "words" (segmenter words and two-character runs of Chinese; long tickets) or "chars"
    (every one- and two-character piece; short group messages, where one character can decide).
    Intent cues and urgent words come from `base` (the built-in lexicon by default), so a learned
    lexicon still tells chatter from requests in a group.
    """
    if features not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(FEATURES)}")
    # read as the classifier reads at run time: 沒有 in an old ticket is the 没有 of a new message
    data = [(message_body(to_simplified(text)), label) for text, label in rows if text and label]
    if not data:
        raise ValueError("no labelled rows to learn from")
    if max_keywords < 1:
        raise ValueError("max_keywords must be at least 1")
    if len({label for _, label in data}) < 2:
        raise ValueError(f"all {len(data)} rows have the same label: a lexicon needs at least two labels to tell apart")
    if features == "words":
        segmenter = segmenter or best_segmenter()
    base = base or default_lexicon()
    names = sorted({label for _, label in data})
    labels = [names.index(label) for _, label in data]
    df: Counter[str] = Counter()
    for text, _ in data:
        df.update(pieces(text) if segmenter is None else candidates(text, segmenter.cut(text)))
    vocab = sorted(word for word, n in df.items() if n >= min_df)
    if not vocab:
        raise ValueError(f"no word appears in {min_df} or more of the {len(data)} rows: too few rows to learn from")
    idf = {word: math.log((1 + len(data)) / (1 + df[word])) + 1 for word in vocab}
    table = PhraseTable(vocab)
    counts = [Counter(piece for _, piece in table.spans(text)) for text, _ in data]
    fit = _fit_sklearn if _has_sklearn() else _fit_python
    kept = set(vocab)
    for multiple in rounds:
        weights, _ = fit(counts, labels, len(names), kept, idf, c, seed)
        kept = {word for per_class in weights for word in _strongest(per_class, max_keywords * multiple)}
    weights, bias = fit(counts, labels, len(names), kept, idf, c, seed)
    categories = tuple(
        Category(
            id=name,
            name=name,
            keywords={word: round(weights[k][word], 4) for word in _strongest(weights[k], max_keywords)},
            bias=round(bias[k], 4),
        )
        for k, name in enumerate(names)
    )
    used = {word for cat in categories for word in cat.keywords}
    majority = Counter(label for _, label in data).most_common(1)[0][0]
    return replace(
        base,
        categories=categories,
        urgent_categories={k: v for k, v in base.urgent_categories.items() if v in names},
        fallback=majority,
        neutral=(),
        match="all",
        norm="tfidf",
        idf={word: round(idf[word], 4) for word in sorted(used, key=idf.__getitem__)},
        description=f"learned from {len(data)} labelled messages; ≤ {max_keywords} keywords per category",
    )


def _strongest(weights: dict[str, float], limit: int) -> list[str]:
    ranked = sorted(weights, key=lambda word: (-abs(weights[word]), word))
    return [word for word in ranked[:limit] if abs(weights[word]) > 1e-6]


def _vectors(counts: Sequence[Counter[str]], kept: set[str], idf: dict[str, float]) -> list[dict[str, float]]:
    """Sublinear tf × idf over the kept words, L2-normalised: what the classifier computes."""
    vectors = []
    for found in counts:
        raw = {word: (1 + math.log(n)) * idf[word] for word, n in found.items() if word in kept}
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        vectors.append({word: v / norm for word, v in raw.items()})
    return vectors


def _has_sklearn() -> bool:
    try:
        import sklearn.svm  # noqa: F401
    except ImportError:
        return False
    return True


def _fit_sklearn(
    counts: Sequence[Counter[str]], labels: Sequence[int], classes: int, kept: set[str], idf, c: float, seed: int
) -> tuple[Weights, list[float]]:
    """One-vs-rest linear SVM by liblinear (primal, deterministic)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.svm import LinearSVC

    words = sorted(kept)
    column = {word: i for i, word in enumerate(words)}
    rows, cols, vals = [], [], []
    for r, vector in enumerate(_vectors(counts, kept, idf)):
        for word, value in vector.items():
            rows.append(r)
            cols.append(column[word])
            vals.append(value)
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(counts), len(words)))
    model = LinearSVC(C=c, dual=False, random_state=seed).fit(matrix, np.asarray(labels))
    coef, intercept = model.coef_, model.intercept_
    if classes == 2:  # liblinear keeps one row for two classes: class 1 against class 0
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    weights = [{words[i]: float(w) for i, w in enumerate(row) if w} for row in coef]
    return weights, [float(b) for b in intercept]


def _fit_python(
    counts: Sequence[Counter[str]], labels: Sequence[int], classes: int, kept: set[str], idf, c: float, seed: int
) -> tuple[Weights, list[float]]:
    """One-vs-rest linear SVM (squared hinge, L2) by dual coordinate descent, as liblinear does it."""
    docs = [list(vector.items()) for vector in _vectors(counts, kept, idf)]
    diag = 1 / (2 * c)
    norms = [sum(v * v for _, v in feats) + 1.0 + diag for feats in docs]  # +1: the bias feature
    rng = random.Random(seed)
    weights: Weights = []
    bias: list[float] = []
    for k in range(classes if classes > 2 else 1):
        w: dict[str, float] = {}
        b = 0.0
        alpha = [0.0] * len(docs)
        ys = [1.0 if label == (k if classes > 2 else 1) else -1.0 for label in labels]
        order = list(range(len(docs)))
        for _ in range(20):
            rng.shuffle(order)
            for i in order:
                feats, y = docs[i], ys[i]
                gradient = y * (b + sum(w.get(word, 0.0) * v for word, v in feats)) - 1 + diag * alpha[i]
                if alpha[i] == 0.0 and gradient >= 0:
                    continue
                old = alpha[i]
                alpha[i] = max(old - gradient / norms[i], 0.0)
                step = (alpha[i] - old) * y
                if step:
                    for word, v in feats:
                        w[word] = w.get(word, 0.0) + step * v
                    b += step
        weights.append(w)
        bias.append(b)
    if classes == 2:
        weights = [{word: -v for word, v in weights[0].items()}, weights[0]]
        bias = [-bias[0], bias[0]]
    return weights, bias
