"""The learned grid models beside the hand-written lexicon: what they hold, how they score, and that
the bot's classifier uses them."""

from functools import lru_cache

from nlp.classifier import Classifier
from nlp.learn import learn, pieces
from nlp.lexicon import default_lexicon
from nlp.model import LinearModel, ModelSet, default_model, default_urgent_model, piece_counts

GRID = {
    "chatter",
    "sanitation",
    "repair",
    "safety",
    "parking",
    "neighbor",
    "elderly",
    "welfare",
    "affairs",
    "property",
    "security",
    "suggestion",
    "other",
}


@lru_cache(maxsize=1)
def _models():
    return LinearModel(default_model()), LinearModel(default_urgent_model())


def test_shipped_models_cover_the_grid_classes():
    grid, urgent = _models()
    assert set(grid.ids) == GRID
    assert set(urgent.ids) == {"urgent", "calm"}
    assert grid.short and urgent.short  # one- and two-character pieces: no segmenter needed
    assert all(len(cat.keywords) <= 1500 for cat in default_model().categories)  # bench/learn_grid.py's cap


def test_pieces_are_what_the_model_counts():
    assert pieces("灯坏了 👍") == {"灯", "坏", "了", "灯坏", "坏了", "👍"}
    assert piece_counts("灯灯 灯") == {"灯": 3, "灯灯": 1}


def test_model_set_scores_as_the_models_do_one_by_one():
    grid, urgent = _models()
    both = ModelSet([grid, urgent])
    for text in ["楼道灯坏了好几天了", "收到 谢谢", "着火了 快来人", "", "灯灯灯 灯"]:
        together = both.scores(text)
        for got, model in zip(together, (grid, urgent), strict=True):
            assert all(abs(a - b) < 1e-9 for a, b in zip(got, model.scores(text), strict=True))


def test_model_reads_what_no_keyword_names():
    # no lexicon word for a drooping awning frame; the model still files it as a repair request
    classifier = Classifier(default_lexicon(), model=default_model(), urgent_model=default_urgent_model())
    result = classifier.classify("单元门口那个雨棚的架子快掉下来了 麻烦找人弄一下")
    assert result.intent == "request" and result.category in {"repair", "safety"}
    assert result.matched, "the explanation still names the pieces that decided it"


def test_urgent_model_alone_does_not_override_a_drill():
    classifier = Classifier(default_lexicon(), model=default_model(), urgent_model=default_urgent_model())
    assert not classifier.classify("【消防演练】明天上午十点 着火了别慌 听指挥").urgent


def test_learned_chars_model_round_trip():
    rows = [("路灯坏了", "repair"), ("灯不亮", "repair"), ("垃圾没人收", "sanitation"), ("好臭的垃圾", "sanitation")]
    model = LinearModel(learn(rows * 2, features="chars", max_keywords=20, min_df=1))
    scores = dict(zip(model.ids, model.scores("灯又坏了"), strict=True))
    assert scores["repair"] > scores["sanitation"]


def test_bot_classifier_uses_the_models():
    from bot.understanding import build_classifier

    classifier = build_classifier()
    assert classifier._model is not None and classifier._urgent_model is not None


def _toy_urgent_model(weight: float, bias: float):
    """An urgent model that knows one piece, 涌: margin 2 × weight − 2 × bias where it is the only known piece."""
    from nlp.lexicon import Category, Lexicon

    return Lexicon(
        categories=(
            Category("urgent", "urgent", {"涌": weight}, bias=-bias),
            Category("calm", "calm", {"涌": -weight}, bias=bias),
        ),
        match="all",
        norm="tfidf",
    )


def test_urgent_model_marks_requests_it_does_not_make_them():
    # a toy urgent model that knows one sign no urgent word names
    toy = _toy_urgent_model(weight=3.0, bias=1.0)
    classifier = Classifier(default_lexicon(), urgent_model=toy)
    report = classifier.classify("地下室的水一直往外涌 麻烦赶紧派人来看看")
    assert report.intent == "request" and report.urgent
    assert report.emergency  # a kind is still given, from the category
    assert not classifier.classify("人潮汹涌 哈哈哈").urgent  # chatter stays chatter
    # with no urgent word at all, a model barely over its bar needs the message to sound alarmed; a sure one does not
    unsure = _toy_urgent_model(weight=0.6, bias=0.5)  # margin 2 × 0.6 − 1 = 0.2 when 涌 is the only known piece
    hesitant = Classifier(default_lexicon(), urgent_model=unsure)
    calm = hesitant.classify("地下室的水一直往外涌 麻烦物业来看看")
    assert calm.intent == "request" and not calm.urgent
    assert hesitant.classify("地下室的水一直往外涌 赶紧派人看看").urgent  # 赶紧: alarmed
    assert classifier.classify("地下室的水一直往外涌 麻烦物业来看看").urgent  # margin 4: sure


def test_built_in_models_are_parsed_once_and_a_broken_cache_is_parsed_anew(tmp_path, monkeypatch):
    from nlp import model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = model._packaged("urgent_model.toml")
    cached = list((tmp_path / "gridbot").glob("urgent_model.toml.*.pickle"))
    assert len(cached) == 1  # kept for the next start
    assert model._packaged("urgent_model.toml") == first  # read back whole
    cached[0].write_bytes(b"not a pickle")
    assert model._packaged("urgent_model.toml") == first  # a broken cache is parsed anew, and rewritten
    assert model._packaged("urgent_model.toml") == first
