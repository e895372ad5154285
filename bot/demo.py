"""`gridbot demo`: a morning in the example community, played against the offline sandbox, transcripts printed."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from bot import texts
from bot.config import Config, DatabaseConfig

RESIDENTS = [(501, "张阿姨"), (502, "李大爷"), (503, "小陈"), (504, "刘姐")]
MORNING = dt.time(10, 0)


def morning_clock(config: Config, now: dt.datetime | None = None) -> Callable[[], dt.datetime]:
    """The demo plays a morning whenever it is run: today at 10:00 in the community's time zone, moving with real
    time. On the wall clock a demo run at night met quiet hours, which hold the workers' pings until morning."""
    from bot.core import running_from, utcnow

    today = (now or utcnow()).astimezone(config.tz).date()
    return running_from(dt.datetime.combine(today, MORNING, tzinfo=config.tz).astimezone(dt.UTC))


class Transcript:
    """Prints what people and the bot say, per chat, as it happens."""

    def __init__(self, sandbox, config: Config):
        self.sandbox = sandbox
        self.config = config
        self.seen = 0
        self.names = {w.telegram_id: w.name for w in config.workers} | dict(RESIDENTS)

    def chat_name(self, chat_id: int) -> str:
        grid = self.config.grid_for_chat(str(chat_id))
        return f"群·{grid.name}" if grid else f"私聊·{self.names.get(chat_id, chat_id)}"

    def person(self, chat_id: int, user_id: int, text: str) -> None:
        click.echo(click.style(f"\n[{self.chat_name(chat_id)}] {self.names.get(user_id, user_id)}：", fg="cyan") + text)

    def bot_messages(self) -> None:
        sent = self.sandbox.bot_messages()
        for message in sent[self.seen :]:
            buttons = message.get("reply_markup", {}).get("inline_keyboard", []) if message.get("reply_markup") else []
            labels = " ".join(f"[{b['text']}]" for row in buttons for b in row)
            photo = texts.PHOTO + " " if message.get("photo") else ""
            body = photo + (message.get("text") or message.get("caption") or "").replace("\n", "\n      ")
            click.echo(
                click.style(f"  🤖 → [{self.chat_name(message['chat']['id'])}] ", fg="green")
                + body
                + (f"\n      {labels}" if labels else "")
            )
        self.seen = len(sent)


async def run_demo(config: Config, pace: float = 0.0) -> int:
    from handlers.sandboxed import sandboxed_bot

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as folder:
        database = f"sqlite:///{Path(folder) / 'demo.db'}"
        config = config.model_copy(update={"database": DatabaseConfig(url=database)})
        click.echo(click.style("gridbot 演示：东郊社区的一个早晨（离线沙盒，不连接 Telegram）", bold=True))
        async with sandboxed_bot(config, residents=RESIDENTS, clock=morning_clock(config)) as (sandbox, runtime):
            play = Play(sandbox, runtime, config, pace)
            await play.morning()
            ok = await runtime.settle()
            click.echo(click.style("\n===== 台账 =====", bold=True))
            click.echo(ledger_summary(config, runtime))
            return 0 if ok and not play.problems else 1


class Play:
    """The scripted morning; each step waits until the bot has answered before the next one."""

    def __init__(self, sandbox, runtime, config: Config, pace: float):
        self.sb, self.runtime, self.config, self.pace = sandbox, runtime, config, pace
        self.transcript = Transcript(sandbox, config)
        self.problems: list[str] = []
        self.g1 = int(config.grids[0].chat_id)
        self.g2 = int(config.grids[1].chat_id)

    async def step(self, chat: int, user: int, text: str = "", **kwargs) -> dict:
        label = text or ("[照片]" if kwargs.get("photo") else "")
        self.transcript.person(chat, user, label + (" （回复机器人的消息）" if kwargs.get("reply_to") else ""))
        message = self.sb.send_message(chat, user, text or None, **kwargs)
        await self.settle()
        return message

    async def press(self, chat: int, user: int, message: dict, data: str, label: str) -> None:
        self.transcript.person(chat, user, f"点击按钮 [{label}]")
        self.sb.press_button(chat, user, message["message_id"], data)
        await self.settle()

    async def settle(self) -> None:
        await self.sb.wait_until_consumed()
        if not await self.runtime.settle():
            self.problems.append("the bot did not settle in time")
        self.transcript.bot_messages()
        if self.pace:
            await asyncio.sleep(self.pace)

    def last(self, chat: int, contains: str) -> dict:
        for message in reversed(self.sb.bot_messages(chat)):
            if contains in (message.get("text") or message.get("caption") or ""):
                return message
        self.problems.append(f"expected a bot message containing {contains!r} in chat {chat}")
        raise RuntimeError(self.problems[-1])

    async def morning(self) -> None:
        g1, g2 = self.g1, self.g2
        wang, li, zhao = 1001, 1002, 1003
        await self.step(g1, 501, "大家早上好[太阳]")
        await self.step(g1, 502, "收到")
        await self.step(g1, 501, "3栋楼道堆满杂物 纸箱子旧家具都有 好几天了没人管")
        await self.step(g1, 501, "", photo=True)
        await self.step(g1, 503, "3栋楼道的杂物太多了 麻烦赶紧清理一下")
        await self.step(g1, 502, "5栋门口的路灯坏了一个多月了 晚上黑漆漆的 老人出门不方便")
        await self.step(g2, 504, "7栋楼下天天有人电动车飞线充电 太危险了 网格员管管吧")
        await self.step(g1, 501, "请问高龄补贴咋申请 要带什么材料")
        await self.step(g1, 503, "2栋三楼煤气味特别重 好像漏气了！")
        click.echo(click.style("\n—— 网格员接单 ——", bold=True))
        await self.press(wang, wang, self.last(wang, "【新工单 #1】"), "claim:1", "认领")
        await self.step(li, li, "认领", reply_to=self.last(li, "【新工单 #2】")["message_id"])
        await self.step(g2, zhao, "认领 3")
        # The gas leak went to whichever of the two had fewer open tickets: they claim it at once.
        alerted = [w for w in (wang, li) if any("【紧急】#4" in (m.get("text") or "") for m in self.sb.bot_messages(w))]
        await self.press(alerted[0], alerted[0], self.last(alerted[0], "【紧急】#4"), "claim:4", "认领")
        click.echo(click.style("\n—— 办结、评价与回访 ——", bold=True))
        await self.step(wang, wang, "办结 1 已联系物业把楼道杂物全部清走了")
        await self.step(g1, 501, "满意 谢谢王芳", reply_to=self.last(g1, "#1 已办结")["message_id"])
        await self.step(li, li, "办结 2 已报修 路灯换好了")
        await self.step(g1, 502, "不满意 只修了一盏 还有一盏不亮", reply_to=self.last(g1, "#2 已办结")["message_id"])


def ledger_summary(config: Config, runtime) -> str:
    from sqlalchemy import select

    from bot.models import Ticket

    lines = []
    with runtime.sessions() as session:
        for ticket in session.execute(select(Ticket).order_by(Ticket.id)).scalars():
            category = config.category(ticket.category)
            rating = f"｜评价：{texts.RATING_NAMES[ticket.rating]}" if ticket.rating else ""
            support = f"｜附议 {len(ticket.supporters)} 人" if ticket.supporters else ""
            urgent = "【紧急】" if ticket.urgent else ""
            lines.append(
                f"#{ticket.id} {urgent}{category.name if category else ticket.category}｜"
                f"{texts.STATUS_NAMES[ticket.status]}｜承办：{ticket.assignee_name or '待认领'}"
                f"{rating}{support}｜{texts.clip(ticket.text, 24)}"
            )
    return "\n".join(lines) or "（没有工单）"
