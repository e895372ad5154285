"""The database the config names is the one every command uses, whichever folder the admin types it in.

A relative SQLite path followed the shell's current folder, and every command created what it did not find: from
another folder `gridbot tickets` printed （没有工单） and `report --xlsx` exported an empty 台账, each leaving a new
empty gridbot.db behind. Real SQLite files in tmp_path; the config's own [database] url, no override.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.config import load_config, parse_config
from bot.core import Core
from bot.db import create_db_engine, migrate, session_factory
from tests.conftest import EXAMPLE, TEST_DB, Chat

pytestmark = pytest.mark.skipif(bool(TEST_DB), reason="about SQLite files; the suite runs on PostgreSQL")

RESIDENT = 501


@pytest.fixture
def folders(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """The community's folder A with its config (url = "sqlite:///gridbot.db"), and folder B the admin is in."""
    monkeypatch.delenv("GRIDBOT_DATABASE_URL", raising=False)
    community, elsewhere = tmp_path / "A", tmp_path / "B"
    community.mkdir()
    elsewhere.mkdir()
    (community / "config.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    return community, elsewhere


def gridbot(*args: str):
    return CliRunner().invoke(main, list(args), env={"GRIDBOT_DATABASE_URL": None})


def report_a_ticket(config_path: Path, classifier, clock) -> None:
    config = load_config(config_path)
    engine = create_db_engine(config.database.url)
    migrate(engine)
    Chat(Core(config, session_factory(engine), classifier, clock)).say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    engine.dispose()


def test_a_command_typed_in_another_folder_reads_the_database_beside_the_config(folders, classifier, clock):
    community, elsewhere = folders
    report_a_ticket(community / "config.toml", classifier, clock)
    assert (community / "gridbot.db").is_file()

    listed = gridbot("tickets", "--config", "../A/config.toml", "--json")
    assert listed.exit_code == 0, listed.output
    assert [row["number"] for row in json.loads(listed.stdout)] == [1]
    exported = gridbot("report", "--config", "../A/config.toml", "--xlsx", "台账.xlsx")
    assert exported.exit_code == 0, exported.output
    assert "已导出 1 件工单到 台账.xlsx" in exported.stdout
    assert load_workbook(elsewhere / "台账.xlsx")["工单"]["H2"].value == "3栋楼道堆满杂物 好几天了没人管"
    assert not (elsewhere / "gridbot.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["tickets"],
        ["tickets", "--json"],
        ["report"],
        ["report", "--xlsx", "台账.xlsx"],
        ["inbox"],
        ["inbox", "--retry-all"],
    ],
    ids=["tickets", "tickets-json", "report", "report-xlsx", "inbox", "inbox-retry-all"],
)
def test_a_command_that_only_reads_names_a_missing_database_instead_of_creating_it(folders, command):
    community, elsewhere = folders
    result = gridbot(command[0], "--config", "../A/config.toml", *command[1:])
    assert result.exit_code == 2
    assert result.stdout == ""  # no （没有工单）, no empty report
    assert result.stderr.splitlines() == [
        f"找不到数据库文件 {community / 'gridbot.db'}（来自 ../A/config.toml 中的 database.url），没有新建空库。"
        "请核对路径，或先运行 gridbot run 或 gridbot migrate 建库。"
    ]
    assert sorted(p.name for p in community.iterdir()) == ["config.toml"]
    assert list(elsewhere.iterdir()) == []  # neither a database nor an empty 台账.xlsx


def test_migrate_creates_the_database_beside_the_config_and_says_where(folders):
    community, elsewhere = folders
    created = gridbot("migrate", "--config", "../A/config.toml")
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines()[0] == f"新建数据库文件 {community / 'gridbot.db'}"
    assert (community / "gridbot.db").is_file() and list(elsewhere.iterdir()) == []
    again = gridbot("migrate", "--config", "../A/config.toml")
    assert "新建" not in again.stdout
    listed = gridbot("tickets", "--config", "../A/config.toml")
    assert (listed.exit_code, listed.stdout) == (0, "（没有工单）\n")


def test_a_missing_database_named_in_the_environment_is_named_so(folders):
    result = CliRunner().invoke(
        main, ["tickets", "--config", "../A/config.toml"], env={"GRIDBOT_DATABASE_URL": "sqlite:///data/x.db"}
    )
    assert result.exit_code == 2
    assert f"找不到数据库文件 {folders[1] / 'data' / 'x.db'}（来自 环境变量 GRIDBOT_DATABASE_URL）" in result.stderr
    assert not (folders[1] / "data").exists()


def test_which_folder_a_relative_sqlite_path_is_taken_from(tmp_path, monkeypatch):
    monkeypatch.delenv("GRIDBOT_DATABASE_URL", raising=False)
    source = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "社区" / "config.toml"
    path.parent.mkdir()

    def url_of(text: str, environ: dict | None = None) -> str:
        path.write_text(text, encoding="utf-8")
        return load_config(path, environ=environ or {}).database.url

    beside = url_of(source)  # the file's own "sqlite:///gridbot.db"
    assert make_url(beside).database == str(path.parent / "gridbot.db")
    without_section = source.replace('url = "sqlite:///gridbot.db"', "")
    assert make_url(url_of(without_section)).database == str(path.parent / "gridbot.db")  # the default
    nested = url_of(source.replace("sqlite:///gridbot.db", "sqlite:///data/gridbot.db?timeout=5"))
    assert nested.endswith("/data/gridbot.db?timeout=5") and make_url(nested).database == str(
        path.parent / "data" / "gridbot.db"
    )
    home = url_of(source.replace("sqlite:///gridbot.db", "sqlite:///~/gridbot.db"))
    assert make_url(home).database == str(Path.home() / "gridbot.db")  # SQLite would not expand ~
    absolute = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert url_of(source.replace("sqlite:///gridbot.db", absolute)) == absolute
    assert url_of(source.replace("sqlite:///gridbot.db", "sqlite://")) == "sqlite://"  # in memory
    # the environment's path is a shell's: from the current folder, as typed
    assert url_of(source, {"GRIDBOT_DATABASE_URL": "sqlite:///x.db"}) == "sqlite:///x.db"
    # text that is no file has no folder of its own
    assert parse_config(source, "c.toml", environ={}).database.url == "sqlite:///gridbot.db"


def test_a_relative_lexicon_is_read_beside_the_config(folders):
    """`lexicon = "learned.toml"` beside the config is found from any folder, as the database is."""
    community, _ = folders
    from nlp.lexicon import default_lexicon, dump_lexicon

    dump_lexicon(default_lexicon(), community / "learned.toml")
    config_path = community / "config.toml"
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace('lexicon = ""', 'lexicon = "learned.toml"'), encoding="utf-8"
    )
    config = load_config(config_path)
    assert Path(config.nlp.lexicon) == community / "learned.toml"
    result = CliRunner().invoke(main, ["check-config", str(config_path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["tickets", "migrate", "inbox"])
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///notes.txt", "file is not a database"),  # a URL naming a file that is no database
        ("postgresql+psycopg://gridbot:pw@127.0.0.1:1/gridbot", "Connection refused"),  # a server that is not up
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(folders, monkeypatch, command, url, says):
    community, elsewhere = folders
    (elsewhere / "notes.txt").write_text("not a database\n" * 100, encoding="utf-8")
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", url)
    result = CliRunner().invoke(main, [command, "--config", str(community / "config.toml")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "数据库无法使用" in lines[0] and says in lines[0] and "GRIDBOT_DATABASE_URL" in lines[0]
    assert "pw" not in lines[0]


def test_a_symlinked_config_and_a_home_lexicon_point_at_the_real_folder(folders, tmp_path, monkeypatch):
    """A config linked from /etc keeps its database beside the real file; ~ in nlp.lexicon is the home folder."""
    community, elsewhere = folders
    link = elsewhere / "linked.toml"
    link.symlink_to(community / "config.toml")
    assert Path(make_url(load_config(link).database.url).database) == community / "gridbot.db"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    from nlp.lexicon import default_lexicon, dump_lexicon

    dump_lexicon(default_lexicon(), home / "lex.toml")
    config_path = community / "config.toml"
    config_path.write_text(
        config_path.read_text(encoding="utf-8").replace('lexicon = ""', 'lexicon = "~/lex.toml"'), encoding="utf-8"
    )
    assert Path(load_config(config_path).nlp.lexicon) == home / "lex.toml"
