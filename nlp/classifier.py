"""Decide what a group message is: a request (which category, how urgent) or chatter.

Keywords alone would open a ticket for "楼道的灯修好了 谢谢王姐", so the intent is a weighted vote of
request cues, questions, @-mentions, urgent words and category evidence against chatter cues and
resolution; the confidence is that vote through a sigmoid, so the bot can ask before acting on a
weak one. Everything here is pure: the segmenter and lexicon are loaded once, then no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from nlp.lexicon import EMERGENCIES, Lexicon
from nlp.matching import KeywordIndex, PhraseTable
from nlp.segment import Segmenter, best_segmenter

REQUEST, CHATTER = "request", "chatter"
_MENTION = re.compile(r"@[^\s@，。,:：]{1,12}")
_NEGATIONS = frozenset("不没未别")
_SPACE_PUNCT = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Classification:
    """What the bot needs to know about one message."""

    intent: str  # "request" | "chatter"
    category: str | None
    urgent: bool
    handling: str | None
    confidence: float
    matched: tuple[str, ...]
    urgent_words: tuple[str, ...]
    emergency: str | None
    question: bool
    resolved: bool

    def to_dict(self) -> dict:
        data = asdict(self)
        data["matched"] = list(self.matched)
        data["urgent_words"] = list(self.urgent_words)
        return data


def tfidf(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Sublinear tf × idf, L2-normalised: how `learn` weighs the words of a message."""
    raw = {word: (1 + math.log(n)) * idf.get(word, 1.0) for word, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
    return {word: v / norm for word, v in raw.items()}


class _Anchored:
    """Cues bound to the message's start (^收到), end (谢谢$) or whole body (=好的)."""

    def __init__(self, cues: Mapping[str, float]):
        self.start = {k[1:]: w for k, w in cues.items() if k.startswith("^")}
        self.end = {k[:-1]: w for k, w in cues.items() if k.endswith("$") and not k.startswith(("^", "="))}
        self.whole = {k[1:]: w for k, w in cues.items() if k.startswith("=")}
        self.plain = {k: w for k, w in cues.items() if not k.startswith(("^", "=")) and not k.endswith("$")}

    def score(self, found: set[str], bare: str) -> float:
        total = sum(self.plain.get(cue, 0.0) for cue in found)
        total += sum(w for cue, w in self.start.items() if bare.startswith(cue))
        total += sum(w for cue, w in self.end.items() if bare.endswith(cue))
        return total + self.whole.get(bare, 0.0)


class Classifier:
    """Intent, category, urgency and explanation for one message at a time."""

    def __init__(
        self, lexicon: Lexicon, handling: Mapping[str, str] | None = None, segmenter: Segmenter | None = None
    ):
        self.lexicon = lexicon
        self.handling = dict(handling or {})
        self.segmenter = segmenter or best_segmenter()
        self._weights: dict[str, list[tuple[int, float]]] = {}
        self._openers: dict[str, list[tuple[int, float]]] = {}  # "^建议": only at the message's start
        for index, cat in enumerate(lexicon.categories):
            for word, weight in cat.keywords.items():
                target = self._openers if word.startswith("^") else self._weights
                target.setdefault(word.lstrip("^"), []).append((index, weight))
        for word in self._weights:
            self.segmenter.add_word(word)
        self._keywords = KeywordIndex(self._weights)
        self._biases = [cat.bias for cat in lexicon.categories]
        self._ids = [cat.id for cat in lexicon.categories]
        intent = lexicon.intent
        self._request = _Anchored(intent.request)
        self._chatter = _Anchored(intent.chatter)
        self._resolved = frozenset(intent.resolved)
        self._question = frozenset(intent.question)
        self._blockers = frozenset(lexicon.urgent_blockers)
        # one pass over the text finds every cue of every kind
        self._cues = PhraseTable(
            [
                *self._request.plain,
                *self._chatter.plain,
                *self._resolved,
                *self._question,
                *lexicon.urgent,
                *self._blockers,
            ]
        )

    def categorize(self, text: str) -> tuple[str | None, float, tuple[str, ...]]:
        """Best category by keyword evidence alone (no intent): id, evidence, matched words best first."""
        body = _MENTION.sub(" ", text.strip())
        return self._categorize(body, _SPACE_PUNCT.sub("", body).lower())

    def _categorize(self, body: str, bare: str) -> tuple[str | None, float, tuple[str, ...]]:
        weights = self._weights
        counts = self._keywords.count(body, self.segmenter.cut(body))
        words = list(counts)
        openers = [word for word in self._openers if bare.startswith(word)]
        if openers:
            weights = {**weights, **{word: self._openers[word] for word in openers}}
            words = openers + [word for word in words if word not in openers]
        if not words:
            return self.lexicon.fallback, 0.0, ()
        values = dict.fromkeys(words, 1.0)
        if self.lexicon.norm == "sqrt":
            values = dict.fromkeys(words, 1 / math.sqrt(len(words)))
        elif self.lexicon.norm == "tfidf":
            values = tfidf(counts, self.lexicon.idf)
        scores = [0.0] * len(self._ids)
        for word in words:
            for index, weight in weights[word]:
                scores[index] += weight * values.get(word, 0.0)
        best = max(range(len(scores)), key=lambda k: scores[k] + self._biases[k])
        ranked = sorted(
            (w for w in words if any(i == best and wt > 0 for i, wt in weights[w])),
            key=lambda w: -next(wt for i, wt in weights[w] if i == best),
        )
        return self._ids[best], scores[best], tuple(ranked)

    def classify(self, text: str) -> Classification:
        """Classify one message."""
        text = text.strip()
        body = _MENTION.sub(" ", text)
        bare = _SPACE_PUNCT.sub("", body).lower()
        category, evidence, matched = self._categorize(body, bare)
        intent = self.lexicon.intent
        spans = self._cues.spans(text)
        found = {piece for _, piece in spans}
        question = not found.isdisjoint(self._question)
        # 亮了 says fixed, 不亮了 says broken: a resolution right after a negation does not count
        resolved = any(
            piece in self._resolved and (start == 0 or text[start - 1] not in _NEGATIONS)
            for start, piece in spans
        )
        urgent_words = tuple(dict.fromkeys(piece for _, piece in spans if piece in self.lexicon.urgent))
        if urgent_words and not found.isdisjoint(self._blockers):
            urgent_words = ()
        vote = intent.bias + self._request.score(found, bare) - self._chatter.score(found, bare)
        vote += intent.keyword_weight * min(evidence, intent.keyword_cap) if matched else 0.0
        vote += intent.question_weight * question
        vote += intent.mention_weight * (_MENTION.search(text) is not None)
        vote += intent.urgent_weight * bool(urgent_words)
        vote -= intent.resolved_weight * resolved
        probability = 1 / (1 + math.exp(-intent.scale * vote))
        is_request = vote > 0
        urgent = is_request and bool(urgent_words) and not resolved
        if not is_request:
            category = None
        elif urgent and not matched:
            category = None
        return Classification(
            intent=REQUEST if is_request else CHATTER,
            category=category,
            urgent=urgent,
            handling=self.handling.get(category) if category else None,
            confidence=round(max(probability, 1 - probability), 4),
            matched=matched,
            urgent_words=urgent_words if urgent else (),
            emergency=self._emergency(urgent_words) if urgent else None,
            question=question,
            resolved=resolved,
        )

    def _emergency(self, words: tuple[str, ...]) -> str:
        """The kind most words point to; ties go fire > medical > police > rescue (救命 alone is rescue)."""
        kinds = [self.lexicon.urgent[word] for word in words]
        return max(EMERGENCIES, key=lambda kind: (kinds.count(kind), -EMERGENCIES.index(kind)))

    def explain(self, result: Classification, names: Mapping[str, str]) -> str:
        """The line the bot shows, e.g. "环境卫生：楼道、杂物"."""
        if result.intent == CHATTER:
            return "闲聊"
        parts = []
        if result.category:
            name = names.get(result.category, result.category)
            parts.append(f"{name}：{'、'.join(result.matched)}" if result.matched else name)
        if result.urgent:
            parts.append(f"紧急：{'、'.join(result.urgent_words)}")
        return "；".join(parts) or "诉求"
