"""The classify/eval commands as an admin uses them."""

import json

from click.testing import CliRunner

from bot.nlp_cli import classify_command, eval_command


def test_classify_text_prints_readable_result():
    result = CliRunner().invoke(classify_command, ["楼道里有人飞线充电 没人管"])
    assert result.exit_code == 0, result.output
    assert "意图" in result.output and "safety" in result.output and "飞线充电" in result.output


def test_jsonl_keeps_order_and_survives_bad_lines():
    lines = [
        '{"text": "收到"}',
        "not json",
        '{"nope": 1}',
        '{"text": 5}',
        '{"text": "电梯坏了 能不能修一下"}',
    ]
    result = CliRunner().invoke(classify_command, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 5
    assert out[0]["intent"] == "chatter"
    assert all("error" in item for item in out[1:4])
    assert (out[4]["intent"], out[4]["category"], out[4]["urgent"]) == ("request", "repair", False)


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
