"""Every class of config mistake is caught with the file, key path and what is wrong."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config
from tests.conftest import EXAMPLE

SOURCE = EXAMPLE.read_text(encoding="utf-8")


def problems(text: str, environ: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml", environ=environ or {})
    return caught.value.problems


def test_example_config_is_valid_and_complete():
    config = parse_config(SOURCE, "config.example.toml", environ={})
    assert len(config.grids) >= 3 and len(config.categories) == 12 and len(config.services) >= 5
    assert {w.role.value for w in config.workers} == {"grid_worker", "grid_leader", "secretary", "admin"}
    assert sum(w.role.value == "grid_worker" for w in config.workers) >= 6
    assert config.talk_day.weekday == "tue"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('grids = ["dj-2"]\n', 'grids = ["dj-9"]\n', 'c.toml: workers[2].grids: unknown grid "dj-9"'),
        ('mode = "polling"', 'mdoe = "polling"', "c.toml: telegram.mdoe: unknown key (check the spelling)"),
        ('phone = "13800000001"', "phone = 13800000001",
         'c.toml: workers[0].phone: should be text in quotes, e.g. "13800000001"'),
        (
            "start_retries = 8",
            "start_retries = 1000",
            "c.toml: telegram.start_retries: Input should be less than or equal to 100",
        ),
        ('time = "09:00"', 'time = "25:00"', 'c.toml: talk_day.time: "25:00" is not a valid time of day'),
        ('time = "09:00"', 'time = "9点"', 'c.toml: talk_day.time: "9点" is not a time of day in HH:MM form'),
        # 18 would be 18 seconds past midnight: the agenda would go out at 00:00 in quiet hours
        ('notice_time = "18:00"', "notice_time = 18", 'c.toml: talk_day.notice_time: 18 is not a time of day; write'),
        ('time = "09:00"', "time = 9.5", "c.toml: talk_day.time: 9.5 is not a time of day; write"),
        (
            'weekday = "tue"',
            'weekday = "tuesday"',
            'c.toml: talk_day.weekday: "tuesday" is not a weekday; use',
        ),
        (
            'timezone = "Asia/Shanghai"',
            'timezone = "Asia/Beijing"',
            'c.toml: timezone: unknown timezone "Asia/Beijing"',
        ),
        ('id = "dj-2"', 'id = "dj-1"', 'c.toml: grids[1].id: duplicate "dj-1" (also grids[0])'),
        ("chat_id = -1001000000004", 'chat_id = "-100abc"', "c.toml: grids[3].chat_id: '-100abc' is not a chat id"),
        ('"住建所", "物业公司"]', '"住建所", "物业公司", "供电所"]', 'c.toml: departments[9]: duplicate "供电所"'),
        (
            "chat_id = -1001000000002",
            "chat_id = -1001000000001",
            'c.toml: grids[1].chat_id: duplicate "-1001000000001"',
        ),
        ("telegram_id = 1002", "telegram_id = 1001", 'c.toml: workers[1].telegram_id: duplicate "1001"'),
        (
            'role = "grid_leader"\ngrids = ["dj-1", "dj-2"]',
            'role = "boss"\ngrids = ["dj-1", "dj-2"]',
            "c.toml: workers[7].role: Input should be",
        ),
        (
            "deadline_hours = 24\nhandling",
            "deadline_hours = -1\nhandling",
            "c.toml: categories[0].deadline_hours: Input should be greater than 0",
        ),
        ('handling = "handle"', 'handling = "later"', "c.toml: categories[0].handling: Input should be"),
        (
            'id = "sanitation"',
            'id = "repair"',
            'c.toml: categories[1].id: duplicate "repair" (also categories[0])',
        ),
        (
            'role = "grid_leader"\ndepartment = "派出所"',
            'role = "grid_leader"\ndepartment = "警察局"',
            'c.toml: categories[9].department: unknown department "警察局"',
        ),
        (
            "webhook_port = 8443",
            'webhook_port = "x"',
            "c.toml: telegram.webhook_port: Input should be a valid integer",
        ),
        (
            'mode = "polling"',
            'mode = "webhook"',
            'c.toml: telegram.webhook_url: mode "webhook" needs the public https:// address',
        ),
        (
            'webhook_secret = ""',
            'webhook_secret = "密码 123"',
            "c.toml: telegram.webhook_secret: String should match pattern",
        ),
        # Mistakes that used to pass the check and break at run time:
        (
            "deadline_hours = 24\nhandling",
            "deadline_hours = inf\nhandling",
            "c.toml: categories[0].deadline_hours: Input should be a finite number",
        ),
        ("max_retries = 5", "max_retries = true", "c.toml: telegram.max_retries: Input should be a valid integer"),
        (
            'keywords = ["垃圾", ',
            'keywords = ["", "垃圾", ',
            "c.toml: categories[0].keywords: an empty keyword would match every message",
        ),
        (
            'name = "李娜"',
            'name = "王芳"',
            'c.toml: workers[1].name: "王芳" is also workers[0] in grid "dj-1"; reassigning by name needs distinct',
        ),
        ('lexicon = ""', 'lexicon = "/nonexistent/lex.toml"', 'c.toml: nlp.lexicon: file not found: "/nonexistent'),
        (
            "deadline_hours = 24\nhandling",
            "deadline_hours = 1e308\nhandling",
            "c.toml: categories[0].deadline_hours: Input should be less than or equal to 8784",
        ),
        ("revisit_days = 7", "revisit_days = 100000000", "c.toml: follow_up.revisit_days: Input should be less"),
        (
            "chat_id = -1001000000002",
            "chat_id = 1001",
            'c.toml: grids[1].chat_id: "1001" is the telegram_id of workers[0], a person, not a group',
        ),
        ("chat_id = -1001000000002", "chat_id = 1001000000002", 'c.toml: grids[1].chat_id: "1001000000002" is a priv'),
        (
            "chat_id = -1001000000002",
            'chat_id = "-1001000000002 "',
            "c.toml: grids[1].chat_id: '-1001000000002 ' has spaces around it; write the chat id alone",
        ),
        ('url = "sqlite:///gridbot.db"', 'url = "sqlite:/gridbot.db"', 'c.toml: database.url: "sqlite:/gridbot.db" is'),
        ('url = "sqlite:///gridbot.db"', 'url = "mysql://u@h/db"', 'c.toml: database.url: "mysql" is not supported'),
    ],
)
def test_each_mistake_is_named(old, new, expected):
    assert old in SOURCE
    found = problems(SOURCE.replace(old, new, 1))
    assert any(line.startswith(expected) for line in found), found


def test_toml_syntax_error_names_the_line():
    found = problems('timezone = "Asia/Shanghai"\n[grids\n')
    assert found[0].startswith("c.toml: TOML syntax error:") and "line 2" in found[0]


def test_missing_sections_are_reported_together():
    found = problems('timezone = "Asia/Shanghai"\n')
    assert "c.toml: grids: required key is missing" in found
    assert "c.toml: workers: required key is missing" in found
    assert "c.toml: categories: required key is missing" in found


def test_category_role_must_exist():
    text = SOURCE.replace('role = "secretary"', 'role = "admin"')
    text = text.replace('role = "grid_leader"\ndepartment = "派出所"', 'role = "secretary"\ndepartment = "派出所"')
    expected = 'c.toml: categories[9].role: no worker has the role "secretary" (categories[9]: security 治安反诈)'
    assert expected in problems(text)


def test_environment_overrides_secrets():
    config = parse_config(
        SOURCE,
        "c.toml",
        environ={
            "GRIDBOT_TELEGRAM_TOKEN": "1:abc",
            "GRIDBOT_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "GRIDBOT_DATABASE_URL": "sqlite:///x.db",
        },
    )
    assert config.telegram.token == "1:abc"
    assert config.telegram.base_url == "http://127.0.0.1:9/bot"
    assert config.database.url == "sqlite:///x.db"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert caught.value.problems == [f"{tmp_path / 'nope.toml'}: file not found"]


def test_check_config_command(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["check-config", str(EXAMPLE)])
    assert ok.exit_code == 0 and "OK" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text(SOURCE.replace('grids = ["dj-2"]\n', 'grids = ["dj-9"]\n', 1), encoding="utf-8")
    result = runner.invoke(main, ["check-config", str(bad)])
    assert result.exit_code == 2
    assert f'{bad}: workers[2].grids: unknown grid "dj-9"' in result.output
    assert "Traceback" not in result.output


def test_run_refuses_an_invalid_config(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(SOURCE.replace('mode = "polling"', "mode = 3"), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--config", str(bad)])
    assert result.exit_code == 2
    assert "telegram.mode" in result.output


def test_the_fast_toml_reader_reads_configs_exactly_as_tomllib():
    import tomllib

    from bot.config import _parse_toml

    assert _parse_toml(SOURCE) == tomllib.loads(SOURCE)
    text = SOURCE + '\n[[grids]]\nid = "x"\nname = "第x网格"\nchat_id = -1\nbuildings = ["1栋"]\n'
    assert _parse_toml(text) == tomllib.loads(text)


def test_a_keyword_weight_that_is_not_a_number_is_named_once():
    found = problems(SOURCE.replace('keywords = ["垃圾", ', 'keywords = {"垃圾" = true, "杂物" = 2} #', 1))
    assert found == [
        "c.toml: categories[0].keywords.垃圾: Input should be a valid number (categories[0]: sanitation 环境卫生)"
    ]


def test_a_keyword_under_two_categories_is_warned_of_but_allowed(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SOURCE.replace('keywords = ["物业", ', 'keywords = ["杂物", "物业", ', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 0 and "OK" in result.output
    assert '"杂物" is also a keyword of categories[' in result.output


def test_a_lexicon_learned_from_category_names_not_ids_is_refused(tmp_path):
    """Chinese ticket exports label by name (环境卫生); a lexicon learned from them would file every ticket under a
    category no grid knows, silently, so check-config (and run) name the mismatch."""
    from bot.nlp_cli import learn_command

    train = tmp_path / "tickets.csv"
    rows = ["楼道堆满杂物没人管,环境卫生", "垃圾桶满了没人清,环境卫生", "楼道杂物堆积,环境卫生"]
    rows += ["路灯坏了不亮,设施维修", "路灯不亮好几天,设施维修", "电梯坏了没人修,设施维修"]
    train.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert CliRunner().invoke(learn_command, [str(train), "--out", str(tmp_path / "learned.toml")]).exit_code == 0
    config = tmp_path / "config.toml"
    config.write_text(SOURCE.replace('lexicon = ""', 'lexicon = "learned.toml"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(config)])
    assert result.exit_code == 2
    assert "nlp.lexicon" in result.output and "环境卫生" in result.output
    assert "not ids of [[categories]]" in result.output


def test_a_bot_api_address_without_http_is_named():
    found = problems(SOURCE, environ={"GRIDBOT_TELEGRAM_BASE_URL": "127.0.0.1:9/bot"})
    assert any("telegram.base_url" in p and "not an http:// or https:// address" in p for p in found)


def test_a_grid_without_a_leader_is_warned_of_but_allowed(tmp_path):
    path = tmp_path / "c.toml"
    leader = 'role = "grid_leader"\ngrids = ["dj-3", "dj-4"]'
    path.write_text(SOURCE.replace(leader, 'role = "grid_leader"\ngrids = ["dj-3"]'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 0 and "OK" in result.output
    assert 'grids[3] ("' in result.output and "no grid_leader lists this grid" in result.output
    assert "grids[2]" not in result.output  # dj-3 keeps its leader


def test_a_config_without_a_catch_all_category_is_warned_of(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SOURCE.replace('id = "other"', 'id = "misc"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code == 0 and 'no category has id "other"' in result.output
    assert 'no category has id "other"' not in CliRunner().invoke(main, ["check-config", str(EXAMPLE)]).output


def test_an_entry_is_named_as_well_as_counted():
    found = problems(SOURCE.replace('grids = ["dj-2"]\n', "grids = []\n", 1))
    assert found[0].startswith("c.toml: workers[2].grids: a grid_worker needs at least one grid")
    assert found[0].endswith("(workers[2]: 赵强)")  # the admin finds 赵强, not the third [[workers]]


def test_a_full_width_comma_from_a_chinese_keyboard_is_pointed_at():
    found = problems(SOURCE.replace('grids = ["dj-1", "dj-2"]\n', 'grids = ["dj-1"，"dj-2"]\n', 1))
    assert len(found) == 1 and "TOML syntax error" in found[0] and "has the full-width ，" in found[0]
