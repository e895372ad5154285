"""`gridbot classify | learn | eval`: try the classifier, build a lexicon from tickets, measure quality.

The main CLI (bot/cli.py) registers these commands; they only read files and stdin and print.
"""

from __future__ import annotations

import json
import sys
import time

import click

INTENT_NAMES = {"request": "诉求", "chatter": "闲聊"}
BATCH = 200


def _classifier(config_path: str | None, lexicon_path: str | None):
    from bot.understanding import build_classifier

    config = None
    if config_path:  # the config machinery (pydantic) only when there is a config: 0.3 s of every start
        from bot.config import ConfigError, load_config

        try:
            config = load_config(config_path)
        except (ConfigError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    try:
        return build_classifier(config, lexicon_path), config
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _names(classifier, config) -> dict[str, str]:
    names = dict(classifier.lexicon.names)
    if config is not None:
        names.update({cat.id: cat.name for cat in config.categories})
    return names


def _classify_line(classifier, line: str) -> dict:
    line = line.lstrip("\ufeff")  # a file saved by Notepad starts with a byte-order mark
    if not line.strip():
        return {"error": "empty line"}
    try:
        item = json.loads(line)
        text = item["text"] if isinstance(item, dict) else None
        if not isinstance(text, str):
            return {"error": 'expected a JSON object with a string "text"'}
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    except KeyError:
        return {"error": 'missing "text"'}
    return classifier.classify(text).to_dict()


@click.command("classify")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help='Read {"text": ...} lines from stdin, write one JSON line each.')
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="gridbot config (categories).")
@click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False), help="Lexicon TOML file.")
def classify_command(text: str | None, jsonl: bool, config_path: str | None, lexicon_path: str | None) -> None:
    """Classify TEXT (or stdin lines with --jsonl) as request or chatter, with category and urgency."""
    classifier, config = _classifier(config_path, lexicon_path)
    if jsonl:
        out = sys.stdout
        batch: list[str] = []
        for line in sys.stdin:
            # a blank line still gets its line out, so that output line N answers input line N
            batch.append(json.dumps(_classify_line(classifier, line), ensure_ascii=False))
            if len(batch) >= BATCH:
                out.write("\n".join(batch) + "\n")
                out.flush()
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
            out.flush()
        return
    if text is None:
        raise click.UsageError("give TEXT or --jsonl")
    result = classifier.classify(text)
    names = _names(classifier, config)
    category = f"{names.get(result.category, result.category)} ({result.category})" if result.category else "-"
    urgent = "是" if result.urgent else "否"
    if result.emergency:
        urgent += f" ({result.emergency}: {'、'.join(result.urgent_words)})"
    click.echo(
        f"意图 intent: {INTENT_NAMES[result.intent]} ({result.intent})  把握 confidence: {result.confidence:.2f}"
    )
    click.echo(f"类别 category: {category}  办理 handling: {result.handling or '-'}")
    click.echo(f"紧急 urgent: {urgent}")
    click.echo(f"依据 basis: {classifier.explain(result, names)}")
    flags = [
        label for flag, label in ((result.question, "提问 question"), (result.resolved, "已解决 resolved")) if flag
    ]
    if flags:
        click.echo("标记 flags: " + "，".join(flags))


@click.command("learn")
@click.argument("train", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Lexicon TOML to write.")
@click.option(
    "--max-keywords", default=400, show_default=True, type=click.IntRange(min=1), help="Keywords kept per category."
)
def learn_command(train: str, out_path: str, max_keywords: int) -> None:
    """Learn a weighted keyword lexicon from TRAIN.csv (columns text,label)."""
    from pathlib import Path

    from nlp.datasets import read_labelled
    from nlp.learn import learn
    from nlp.lexicon import dump_lexicon

    folder = Path(out_path).resolve().parent
    if not folder.is_dir():  # say so before the training, not after it
        raise click.ClickException(f"{out_path}: folder {folder} does not exist")
    try:
        _, rows = read_labelled(train)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.perf_counter()
    try:
        lexicon = learn(((row.text, row.label) for row in rows), max_keywords=max_keywords)
    except ValueError as exc:
        raise click.ClickException(f"{train}: {exc}") from None
    try:
        dump_lexicon(lexicon, out_path)
    except OSError as exc:
        raise click.ClickException(f"{out_path}: cannot write: {exc.strerror}") from None
    words = sum(len(cat.keywords) for cat in lexicon.categories)
    click.echo(
        f"{out_path}: {len(lexicon.categories)} categories, {words} keywords, "
        f"from {len(rows)} rows in {time.perf_counter() - started:.1f} s"
    )


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="gridbot config (categories).")
@click.option("--lexicon", "lexicon_path", type=click.Path(dir_okay=False), help="Lexicon TOML file.")
def eval_command(file: str, config_path: str | None, lexicon_path: str | None) -> None:
    """Score the classifier on FILE.csv: text,intent,category,urgent or text,label."""
    from nlp.datasets import read_labelled
    from nlp.evaluate import format_report, grid_scores

    classifier, _ = _classifier(config_path, lexicon_path)
    try:
        kind, rows = read_labelled(file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    known = {category.id for category in classifier.lexicon.categories} | {"chatter"}
    unknown = sorted({row.label for row in rows} - known)
    if unknown:  # scored as misses; most likely labels by name (环境卫生) where the lexicon has ids
        shown = ", ".join(unknown[:8]) + (" …" if len(unknown) > 8 else "")
        click.echo(f"{file}: labels the classifier has no category for (all scored as misses): {shown}", err=True)
    started = time.perf_counter()
    if kind == "grid":
        results = [classifier.classify(row.text) for row in rows]
        elapsed = time.perf_counter() - started
        gold = [(row.intent, row.category, row.urgent) for row in rows]
        for key, value in grid_scores(gold, [(r.intent, r.category, r.urgent) for r in results]).items():
            click.echo(f"{key:<20}{value:.4f}")
        predicted = [(r.category or "other") if r.intent == "request" else "chatter" for r in results]
        click.echo(format_report([row.label for row in rows], predicted, "category (chatter as a class):"))
    else:
        predicted = [classifier.categorize(row.text)[0] or "-" for row in rows]
        elapsed = time.perf_counter() - started
        click.echo(format_report([row.label for row in rows], predicted))
    click.echo(f"{len(rows)} messages in {elapsed:.2f} s ({len(rows) / max(elapsed, 1e-9):.0f} msg/s)")
