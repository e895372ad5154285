"""The classifier's knowledge as data: weighted category keywords, intent cues and urgent words.

A lexicon is a TOML file a grid worker can read and edit; the built-in one covers the 12 categories of
a grid group, `gridbot learn` writes new ones from labelled tickets, and the admin's configured keywords
are merged on top with `with_keywords`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from nlp.matching import KeywordIndex

EMERGENCIES = ("fire", "medical", "police", "rescue")
NORMS = ("none", "sqrt", "tfidf")
MATCHES = ("longest", "all")
SINGLES = ("token", "char")
_CLASS_REF = re.compile(r"\{([a-z_]+)\}")  # {electric} in an urgent pattern; {0,3} is left alone


@dataclass(frozen=True)
class Category:
    """One category: id, display name, keyword → weight, and a bias added to its score."""

    id: str
    name: str
    keywords: Mapping[str, float] = field(default_factory=dict)
    bias: float = 0.0


@dataclass(frozen=True)
class IntentModel:
    """Weights that turn cues and category evidence into a request/chatter decision."""

    bias: float = -1.0
    keyword_weight: float = 0.6  # each point of category evidence counts this much toward a request
    keyword_cap: float = 4.0  # evidence beyond this adds nothing (long lists of problem words)
    question_weight: float = 1.0
    mention_weight: float = 1.0
    urgent_weight: float = 3.0
    resolved_weight: float = 3.0
    stuck_weight: float = 0.0  # 关不上, 出不来, 打不开: something does not work
    ask_weight: float = 0.0  # 社区查一下, 物业派人来: turned to those who can act
    update_weight: float = 0.0  # 已经跟物业说了, 挺热心的: an update or praise, not a plea
    notice_weight: float = 0.0  # a heading (【停水通知】, 温馨提示：) or a numbered list: a notice, not a plea
    model_weight: float = 0.0  # each point of the grid model's request-over-chatter margin
    model_category_weight: float = 0.0  # the grid model's category scores, added to keyword evidence
    lexicon_lead: float = 0.0  # ... unless the keywords' best category leads the next by this much
    scale: float = 1.0  # sigmoid slope for the confidence
    request: Mapping[str, float] = field(default_factory=dict)
    chatter: Mapping[str, float] = field(default_factory=dict)
    resolved: tuple[str, ...] = ()
    question: tuple[str, ...] = ()


# The intent model's numeric weights, read from and written to the [intent] table of a lexicon file.
INTENT_NUMBERS = tuple(f.name for f in fields(IntentModel) if f.type in ("float", float))


@dataclass(frozen=True)
class Lexicon:
    """Categories with weighted keywords, names, cue lists, urgent words and bias terms."""

    categories: tuple[Category, ...]
    intent: IntentModel = IntentModel()
    urgent: Mapping[str, str] = field(default_factory=dict)  # urgent word → emergency kind
    urgent_blockers: tuple[str, ...] = ()  # drills, tips, past events: urgent words that are not an emergency
    urgent_weak: tuple[str, ...] = ()  # urgent words that need a second urgent word or an alarm
    urgent_alarms: tuple[str, ...] = ()  # 快来人, 救命, 正在: it is happening now
    urgent_advice: tuple[str, ...] = ()  # 请大家, 讲解视频: advice, whose urgent words need an alarm to count
    urgent_hedges: tuple[str, ...] = ()  # 怕, 万一, 不是: an urgent word after one in its clause does not count
    urgent_habits: tuple[str, ...] = ()  # 老是, 天天: anywhere in the clause, a recurring problem
    urgent_past: tuple[str, ...] = ()  # 昨天, 上次: anywhere before a weak sign, it tells of the past
    urgent_patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind → regexes of events
    urgent_weak_patterns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind → weak ones
    urgent_categories: Mapping[str, str] = field(default_factory=dict)  # emergency kind → category id
    urgent_category_weight: float = 0.0  # evidence an emergency adds to its kind's category
    urgent_model_threshold: float = 0.0  # the urgent model's urgent-over-calm margin that counts
    fallback: str | None = None  # category of a request that matches no keyword
    neutral: tuple[str, ...] = ()  # places like 单元门口 that contain a keyword (单元门) but say nothing
    single: str = "token"  # one-character keywords: "token" where the segmenter makes one a word, "char" anywhere
    match: str = "longest"  # "longest": non-overlapping, longest first; "all": every occurrence (learned)
    norm: str = "none"  # "tfidf": evidence weighted (1 + ln count)·idf and L2-normalised, as `learn` trains
    idf: Mapping[str, float] = field(default_factory=dict)  # word → inverse document frequency ("tfidf")
    description: str = ""

    @property
    def names(self) -> dict[str, str]:
        return {cat.id: cat.name for cat in self.categories}

    def category(self, category_id: str) -> Category | None:
        return next((cat for cat in self.categories if cat.id == category_id), None)


class _Reader:
    """Typed access to raw TOML that names the file and key on every complaint."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> ValueError:
        return ValueError(f"{self.source}: {key}: {message}")

    def number(self, table: Mapping, key: str, path: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{path}.{key}" if path else key, f"must be a number, not {value!r}")
        return float(value)

    def text(self, table: Mapping, key: str, path: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or (default is None and not value):
            raise self.fail(f"{path}.{key}" if path else key, "must be a non-empty string")
        return value

    def words(self, value: object, path: str) -> dict[str, float]:
        """A keyword list (weight 1 each) or a {word = weight} table."""
        if isinstance(value, list):
            value = {word: 1.0 for word in value}
        if not isinstance(value, dict):
            raise self.fail(path, "must be a list of words or a table of word = weight")
        result: dict[str, float] = {}
        for word, weight in value.items():
            if not isinstance(word, str) or not word.strip():
                raise self.fail(path, f"{word!r} is not a word")
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise self.fail(f"{path}.{word}", f"weight must be a number, not {weight!r}")
            result[word.strip()] = float(weight)
        return result

    def strings(self, value: object, path: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise self.fail(path, "must be a list of non-empty strings")
        return tuple(value)


def parse_lexicon(raw: Mapping, source: str = "lexicon") -> Lexicon:
    """Validate a lexicon read from TOML; ValueError names the source and the key."""
    read = _Reader(source)
    known = {"meta", "intent", "urgent", "categories", "idf", "neutral"}
    for key in raw:
        if key not in known:
            raise read.fail(key, "unknown key (check the spelling)")
    meta = raw.get("meta", {})
    intent_raw = raw.get("intent", {})
    urgent_raw = raw.get("urgent", {})
    classes = _word_classes(read, urgent_raw.get("classes", {}))
    cats_raw = raw.get("categories")
    if not isinstance(cats_raw, list) or not cats_raw:
        raise read.fail("categories", "at least one [[categories]] entry is required")
    categories = []
    for index, entry in enumerate(cats_raw):
        path = f"categories[{index}]"
        if not isinstance(entry, dict):
            raise read.fail(path, "must be a table")
        cat_id = read.text(entry, "id", path)
        categories.append(
            Category(
                id=cat_id,
                name=read.text(entry, "name", path, cat_id) or cat_id,
                keywords=read.words(entry.get("keywords", {}), f"{path}.keywords"),
                bias=read.number(entry, "bias", path, 0.0),
            )
        )
    seen = [cat.id for cat in categories]
    for cat_id in seen:
        if seen.count(cat_id) > 1:
            raise read.fail("categories", f'duplicate id "{cat_id}"')
    defaults = IntentModel()
    numbers = {
        name: read.number(intent_raw, name, "intent", getattr(defaults, name))
        for name in INTENT_NUMBERS
    }
    intent = IntentModel(
        **numbers,
        request=read.words(intent_raw.get("request", {}), "intent.request"),
        chatter=read.words(intent_raw.get("chatter", {}), "intent.chatter"),
        resolved=read.strings(intent_raw.get("resolved", []), "intent.resolved"),
        question=read.strings(intent_raw.get("question", []), "intent.question"),
    )
    urgent: dict[str, str] = {}
    for kind, words in urgent_raw.items():
        if kind in _URGENT_SETTINGS:
            continue
        if kind not in EMERGENCIES:
            raise read.fail(f"urgent.{kind}", f"unknown emergency kind; use one of {', '.join(EMERGENCIES)}")
        for word in read.strings(words, f"urgent.{kind}"):
            urgent.setdefault(word, kind)
    norm = read.text(meta, "norm", "meta", "none")
    if norm not in NORMS:
        raise read.fail("meta.norm", f"must be one of {', '.join(NORMS)}")
    single = read.text(meta, "single", "meta", "token")
    if single not in SINGLES:
        raise read.fail("meta.single", f"must be one of {', '.join(SINGLES)}")
    match = read.text(meta, "match", "meta", "longest")
    if match not in MATCHES:
        raise read.fail("meta.match", f"must be one of {', '.join(MATCHES)}")
    fallback = meta.get("fallback") or None
    if fallback is not None and fallback not in seen:
        raise read.fail("meta.fallback", f'unknown category "{fallback}"')
    return Lexicon(
        categories=tuple(categories),
        intent=intent,
        urgent=urgent,
        urgent_blockers=read.strings(urgent_raw.get("not", []), "urgent.not"),
        urgent_weak=read.strings(urgent_raw.get("weak", []), "urgent.weak"),
        urgent_alarms=read.strings(urgent_raw.get("alarm", []), "urgent.alarm"),
        urgent_advice=read.strings(urgent_raw.get("advice", []), "urgent.advice"),
        urgent_hedges=read.strings(urgent_raw.get("hedge", []), "urgent.hedge"),
        urgent_habits=read.strings(urgent_raw.get("habit", []), "urgent.habit"),
        urgent_past=read.strings(urgent_raw.get("past", []), "urgent.past"),
        urgent_patterns=_urgent_patterns(read, urgent_raw.get("patterns", {}), "urgent.patterns", classes),
        urgent_weak_patterns=_urgent_patterns(
            read, urgent_raw.get("weak_patterns", {}), "urgent.weak_patterns", classes
        ),
        urgent_categories=_urgent_categories(read, urgent_raw.get("categories", {}), seen),
        urgent_category_weight=read.number(urgent_raw, "category_weight", "urgent", 0.0),
        urgent_model_threshold=read.number(urgent_raw, "model_threshold", "urgent", 0.0),
        fallback=fallback,
        neutral=read.strings(raw.get("neutral", {}).get("words", []), "neutral.words"),
        norm=norm,
        match=match,
        single=single,
        idf=read.words(raw.get("idf", {}), "idf"),
        description=str(meta.get("description", "")),
    )


_URGENT_SETTINGS = frozenset(
    {
        "classes",
        "not",
        "weak",
        "alarm",
        "advice",
        "hedge",
        "habit",
        "past",
        "categories",
        "category_weight",
        "model_threshold",
        "patterns",
        "weak_patterns",
    }
)


def _word_classes(read: _Reader, raw: object) -> dict[str, str]:
    """[urgent.classes]: name = [words], so one pattern covers every hazard of a kind ({electric}冒烟)."""
    if not isinstance(raw, dict):
        raise read.fail("urgent.classes", "must be a table of name = [words]")
    return {
        name: "(?:" + "|".join(re.escape(w) for w in read.strings(words, f"urgent.classes.{name}")) + ")"
        for name, words in raw.items()
    }


def _urgent_patterns(read: _Reader, raw: object, path: str, classes: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise read.fail(path, "must be a table of emergency kind = [regular expressions]")
    result = {}
    for kind, patterns in raw.items():
        if kind not in EMERGENCIES:
            raise read.fail(f"{path}.{kind}", f"unknown emergency kind; use one of {', '.join(EMERGENCIES)}")
        where = f"{path}.{kind}"
        result[kind] = tuple(_expand(read, classes, pattern, where) for pattern in read.strings(patterns, where))
        for pattern in result[kind]:
            try:
                if re.compile(pattern).groups:
                    raise read.fail(f"{path}.{kind}", f"{pattern!r}: use (?:...), not capturing groups")
            except re.error as exc:
                raise read.fail(f"{path}.{kind}", f"{pattern!r} is not a regular expression: {exc}") from None
    return result


def _expand(read: _Reader, classes: Mapping[str, str], pattern: str, path: str) -> str:
    """The pattern with each {name} replaced by its class's alternation."""

    def one(match: re.Match) -> str:
        if match.group(1) not in classes:
            raise read.fail(path, f"{match.group()} names no [urgent.classes] entry")
        return classes[match.group(1)]

    return _CLASS_REF.sub(one, pattern)


def _urgent_categories(read: _Reader, raw: object, categories: list[str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise read.fail("urgent.categories", "must be a table of emergency kind = category id")
    for kind, cat_id in raw.items():
        if kind not in EMERGENCIES:
            raise read.fail(f"urgent.categories.{kind}", f"unknown emergency kind; use one of {', '.join(EMERGENCIES)}")
        if cat_id not in categories:
            raise read.fail(f"urgent.categories.{kind}", f'unknown category "{cat_id}"')
    return dict(raw)


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon TOML file; ValueError naming the file and key on bad content."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: TOML syntax error: {exc}") from None
    return parse_lexicon(raw, str(path))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The built-in grid-group lexicon shipped in the package."""
    text = (resources.files("nlp") / "default_lexicon.toml").read_text(encoding="utf-8")
    return parse_lexicon(tomllib.loads(text), "nlp/default_lexicon.toml")


def with_keywords(
    lexicon: Lexicon, extra: Mapping[str, Mapping[str, float]], names: Mapping[str, str] | None = None
) -> Lexicon:
    """Add the admin's keywords (category id → {word: weight}) to the lexicon; new ids become categories.

    The admin's words only ever add evidence: a word both have keeps the larger weight, and a new word
    that contains lexicon words (楼道堆放 ⊃ 楼道, 堆放) is worth at least what they were worth, in every
    category, because the matcher takes the longest word and would otherwise hide them.
    """
    names = names or {}
    known = {cat.id for cat in lexicon.categories}
    inside = _Evidence(lexicon)
    added: dict[str, dict[str, float]] = {cat.id: {} for cat in lexicon.categories}
    for cat_id, words in extra.items():
        for word, weight in words.items():
            word = word.strip()
            if not word:
                continue
            own = lexicon.category(cat_id)
            if own is not None and word in own.keywords:
                added[cat_id][word] = max(own.keywords[word], weight, added[cat_id].get(word, weight))
                continue
            hidden = inside.of(word)
            for other, value in hidden.items():
                if other != cat_id:
                    added[other].setdefault(word, value)
            target = added.setdefault(cat_id, {})
            target[word] = max(weight, hidden.get(cat_id, weight), target.get(word, weight))
    merged = []
    for cat in lexicon.categories:
        merged.append(replace(cat, keywords={**cat.keywords, **added[cat.id]}, name=names.get(cat.id, cat.name)))
    for cat_id in [*extra, *names]:
        if cat_id not in known:
            known.add(cat_id)
            merged.append(Category(id=cat_id, name=names.get(cat_id, cat_id), keywords=added.get(cat_id, {})))
    return replace(lexicon, categories=tuple(merged))


class _Evidence:
    """What the lexicon's own keywords inside a phrase are worth to each category (multi-character only)."""

    def __init__(self, lexicon: Lexicon):
        self.weights: dict[str, dict[str, float]] = {}
        for cat in lexicon.categories:
            for word, weight in cat.keywords.items():
                if not word.startswith("^") and len(word) >= 2:
                    self.weights.setdefault(word, {})[cat.id] = weight
        self.index = KeywordIndex(self.weights)

    def of(self, phrase: str) -> dict[str, float]:
        total: dict[str, float] = {}
        for word, count in self.index.count(phrase, [phrase]).items():
            for cat_id, weight in self.weights[word].items():
                total[cat_id] = total.get(cat_id, 0.0) + weight * count
        return {cat_id: value for cat_id, value in total.items() if value}


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _toml_table(words: Mapping[str, float]) -> str:
    items = ", ".join(f"{_toml_str(word)} = {round(weight, 4)}" for word, weight in words.items())
    return "{ " + items + " }" if items else "{}"


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(_toml_str(item) for item in items) + "]"


def dump_lexicon(lexicon: Lexicon, path: str | Path) -> None:
    """Write a lexicon as TOML that load_lexicon reads back, one category per block, best words first."""
    lines = ["# gridbot lexicon: edit freely; weights are added up per category (see nlp/lexicon.py)", ""]
    lines += [
        "[meta]",
        f"description = {_toml_str(lexicon.description)}",
        f"norm = {_toml_str(lexicon.norm)}",
        f"match = {_toml_str(lexicon.match)}",
        f"single = {_toml_str(lexicon.single)}",
    ]
    if lexicon.fallback:
        lines.append(f"fallback = {_toml_str(lexicon.fallback)}")
    it = lexicon.intent
    lines += ["", "[intent]"]
    for name in INTENT_NUMBERS:
        lines.append(f"{name} = {getattr(it, name)}")
    lines += [f"request = {_toml_table(it.request)}", f"chatter = {_toml_table(it.chatter)}"]
    lines += [
        f"resolved = {_toml_list(it.resolved)}",
        f"question = {_toml_list(it.question)}",
        "",
        "[urgent]",
    ]
    for kind in EMERGENCIES:
        words = [word for word, k in lexicon.urgent.items() if k == kind]
        if words:
            lines.append(f"{kind} = {_toml_list(words)}")
    for key, items in (
        ("not", lexicon.urgent_blockers),
        ("weak", lexicon.urgent_weak),
        ("alarm", lexicon.urgent_alarms),
        ("advice", lexicon.urgent_advice),
        ("hedge", lexicon.urgent_hedges),
        ("habit", lexicon.urgent_habits),
        ("past", lexicon.urgent_past),
    ):
        if items:
            lines.append(f"{key} = {_toml_list(items)}")
    for key, table in (("patterns", lexicon.urgent_patterns), ("weak_patterns", lexicon.urgent_weak_patterns)):
        if table:
            pairs = ", ".join(f"{kind} = {_toml_list(list(items))}" for kind, items in table.items())
            lines.append(f"{key} = {{ {pairs} }}")
    if lexicon.urgent_category_weight:
        lines.append(f"category_weight = {lexicon.urgent_category_weight}")
    if lexicon.urgent_model_threshold:
        lines.append(f"model_threshold = {lexicon.urgent_model_threshold}")
    if lexicon.urgent_categories:
        pairs = ", ".join(f"{kind} = {_toml_str(cat)}" for kind, cat in lexicon.urgent_categories.items())
        lines.append(f"categories = {{ {pairs} }}")
    if lexicon.neutral:
        lines += ["", "[neutral]", f"words = {_toml_list(lexicon.neutral)}"]
    for cat in lexicon.categories:
        ordered = dict(sorted(cat.keywords.items(), key=lambda item: -item[1]))
        lines += ["", "[[categories]]", f"id = {_toml_str(cat.id)}", f"name = {_toml_str(cat.name)}"]
        lines += [f"bias = {round(cat.bias, 4)}", f"keywords = {_toml_table(ordered)}"]
    if lexicon.idf:
        lines += ["", '# inverse document frequency of each keyword (norm = "tfidf")', "[idf]"]
        lines += [f"{_toml_str(word)} = {round(value, 4)}" for word, value in lexicon.idf.items()]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
