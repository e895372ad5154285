"""learn → dump → load → classify: a county's tickets become an editable lexicon that works."""

import subprocess
import sys

import pytest

from nlp import learn as learning
from nlp.classifier import Classifier
from nlp.datasets import read_labelled
from nlp.learn import learn
from nlp.lexicon import dump_lexicon, load_lexicon

CSV = """text,label
小区路灯坏了晚上很黑,维修
楼道灯不亮了好几天,维修
电梯坏了老人上不去,维修
水管爆了到处是水,维修
路灯一直不亮没人修,维修
垃圾桶满了没人清运,环卫
楼下垃圾堆成山臭气熏天,环卫
小广告贴满了楼道墙面,环卫
垃圾站臭味很大夏天更严重,环卫
绿化带里全是垃圾,环卫
低保申请需要什么材料,民政
高龄补贴怎么领取,民政
临时救助怎么申请,民政
低保资格审核多久,民政
残疾人补贴什么时候发放,民政
"""


def _rows(tmp_path, text=CSV):
    source = tmp_path / "train.csv"
    source.write_text(text, encoding="utf-8")
    _, rows = read_labelled(source)
    return [(r.text, r.label) for r in rows]


@pytest.fixture(params=["sklearn", "python"])
def fitter(request, monkeypatch):
    """Both ways of fitting: scikit-learn (extra `learn`) and the pure-Python fallback."""
    if request.param == "sklearn":
        pytest.importorskip("sklearn", reason="extra 'learn' is not installed")
    else:
        monkeypatch.setattr(learning, "_has_sklearn", lambda: False)
    return request.param


def test_learned_lexicon_round_trips_and_classifies(tmp_path, fitter):
    lexicon = learn(_rows(tmp_path), max_keywords=20, min_df=1)
    path = tmp_path / "learned.toml"
    dump_lexicon(lexicon, path)
    loaded = load_lexicon(path)
    assert loaded == lexicon
    assert {cat.id for cat in loaded.categories} == {"维修", "环卫", "民政"}
    assert all(len(cat.keywords) <= 20 for cat in loaded.categories)
    classifier = Classifier(loaded)
    assert classifier.categorize("路灯不亮")[0] == "维修"
    assert classifier.categorize("垃圾没人清运")[0] == "环卫"
    assert classifier.categorize("低保怎么申请")[0] == "民政"


def test_two_categories_learn_both_ways(tmp_path, fitter):
    two = "\n".join(line for line in CSV.splitlines() if not line.endswith(",民政")) + "\n"
    classifier = Classifier(learn(_rows(tmp_path, two), max_keywords=10, min_df=1))
    assert classifier.categorize("路灯坏了")[0] == "维修"
    assert classifier.categorize("垃圾臭味")[0] == "环卫"


def test_learned_lexicon_classifies_without_scikit_learn(tmp_path):
    path = tmp_path / "learned.toml"
    dump_lexicon(learn(_rows(tmp_path), max_keywords=20, min_df=1), path)
    script = (
        "import sys; sys.modules['sklearn'] = sys.modules['numpy'] = sys.modules['scipy'] = None\n"
        "from nlp.classifier import Classifier; from nlp.lexicon import load_lexicon\n"
        f"print(Classifier(load_lexicon({str(path)!r})).categorize('低保怎么申请')[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "民政"
