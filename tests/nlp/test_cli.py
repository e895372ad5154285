"""The classify/eval commands as an admin uses them."""

import json

import pytest
from click.testing import CliRunner

from bot.nlp_cli import classify_command, eval_command, learn_command


def test_classify_text_prints_readable_result():
    result = CliRunner().invoke(classify_command, ["楼道里有人飞线充电 没人管"])
    assert result.exit_code == 0, result.output
    assert "意图" in result.output and "safety" in result.output and "飞线充电" in result.output


def test_jsonl_keeps_order_and_survives_bad_lines():
    lines = [
        '\ufeff{"text": "收到"}',  # a byte-order mark, as Notepad saves
        "not json",
        '{"nope": 1}',
        '{"text": 5}',
        "",  # a blank line is answered too: output line N stays the answer to input line N
        '{"text": "电梯坏了 能不能修一下"}',
    ]
    result = CliRunner().invoke(classify_command, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 6
    assert out[0]["intent"] == "chatter"
    assert all("error" in item for item in out[1:5])
    assert (out[5]["intent"], out[5]["category"], out[5]["urgent"]) == ("request", "repair", False)


def test_jsonl_with_config_uses_handling(tmp_path):
    from bot.config import example_config_path

    result = CliRunner().invoke(
        classify_command,
        ["--jsonl", "--config", str(example_config_path())],
        input='{"text": "低保怎么申请"}\n',
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["handling"] == "reply"


def test_eval_reports_grid_figures(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(
        "text,intent,category,urgent\n收到,chatter,,0\n楼道堆满杂物没人管,request,sanitation,0\n"
        "有煤气味 快来人,request,safety,1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(eval_command, [str(path)])
    assert result.exit_code == 0, result.output
    assert "intent_f1" in result.output and "urgent_recall" in result.output and "msg/s" in result.output


def test_gridbot_classify_starts_without_the_config_machinery():
    # the config's pydantic models cost 0.3 s of every start; a classify run without --config never needs them
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        "    main(['classify', '--jsonl'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('bot.config', 'pydantic', 'asyncio') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input='{"text": "电梯坏了 能不能修一下"}\n',
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    answer, loaded = done.stdout.strip().splitlines()
    assert json.loads(answer)["category"] == "repair"
    assert loaded == "[]"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("text,intent,category,urgent\n路灯坏了,request,repair,yes\n", "line 2: urgent 'yes' is not 1 or 0"),
        ("text,intent,category,urgent\n收到,chat,,0\n", "line 2: intent 'chat' is not request or chatter"),
        ("message,tag\n路灯坏了,repair\n", "expected columns"),
    ],
)
def test_eval_names_the_line_of_a_label_it_would_misread(tmp_path, content, says):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(eval_command, [str(path)])
    assert result.exit_code == 1 and str(path) in result.output and says in result.output
    assert "Traceback" not in result.output


def test_an_excel_gbk_csv_is_named_with_how_to_save_it(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes("text,label\n路灯坏了,repair\n垃圾没人清,sanitation\n".encode("gbk"))
    for command, args in ((eval_command, [str(path)]), (learn_command, [str(path), "--out", str(tmp_path / "l.toml")])):
        result = CliRunner().invoke(command, args)
        assert result.exit_code == 1 and str(path) in result.output
        assert "not UTF-8" in result.output and "CSV UTF-8" in result.output


@pytest.mark.parametrize(
    ("rows", "extra", "says"),
    [
        ([], [], "no labelled rows"),
        ([("路灯坏了", "repair"), ("路灯不亮", "repair")], [], "same label"),
        ([("路灯坏了", "repair"), ("垃圾没人清", "sanitation")], [], "too few rows"),
        ([("路灯坏了", "repair"), ("垃圾没人清", "sanitation")], ["--max-keywords", "0"], "--max-keywords"),
    ],
)
def test_learn_says_why_it_cannot_learn(tmp_path, rows, extra, says):
    path = tmp_path / "train.csv"
    path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    out = tmp_path / "lexicon.toml"
    result = CliRunner().invoke(learn_command, [str(path), "--out", str(out), *extra])
    assert result.exit_code != 0 and says in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_learn_refuses_an_out_folder_that_does_not_exist_before_training(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("text,label\n路灯坏了,repair\n垃圾没人清,sanitation\n", encoding="utf-8")
    result = CliRunner().invoke(learn_command, [str(path), "--out", str(tmp_path / "nope" / "l.toml")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_eval_names_labels_it_has_no_category_for_and_refuses_a_header_only_file(tmp_path):
    path = tmp_path / "named.csv"
    path.write_text("text,label\n楼道堆满杂物没人管,环境卫生\n路灯坏了,repair\n", encoding="utf-8")
    result = CliRunner().invoke(eval_command, [str(path)])
    assert result.exit_code == 0 and "no category for" in result.output and "环境卫生" in result.output
    empty = tmp_path / "empty.csv"
    empty.write_text("text,intent,category,urgent\n", encoding="utf-8")
    result = CliRunner().invoke(eval_command, [str(empty)])
    assert result.exit_code == 1 and "no labelled rows" in result.output
