"""What a message in a grid chat means: a command, a reply about a ticket, a report, a question, or chatter."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import and_, bindparam, select

from bot import actions, texts, tickets
from bot.chat_moves import follow_move
from bot.commands import Command, is_acknowledgement, more_numbers, numbers_then_note, parse, parse_rating
from bot.complaints import grievance_in
from bot.config import Category, Grid, ServiceEntry
from bot.db import lock_for
from bot.matters import is_same_matter, matter_of, names_a_fault, same_matter
from bot.messages import Button, Inbound
from bot.models import Notice, OutboxMessage, Ticket, TicketEvent
from bot.places import is_building, numbered_place, other_spots, place_of
from bot.questions import (
    answer_question,
    ask_note_or_resolve,
    ask_to_file,
    open_question,
    open_questions,
    service_help,
)
from bot.residents import ResidentBook
from bot.services import answer_service, besides_service, is_stalled, match_service, wants_guide
from bot.talkday import add_topic, decide_topic
from bot.ticket_commands import awaiting_rating, in_hand, run_ticket_command, starts_with_number, still_in_work
from bot.tickets import Context, Report
from bot.workflow import ACTIVE_STATUSES, OPEN_STATUSES, Refusal, Status
from nlp.classifier import Classification

SURE_CHATTER = 0.9  # a reporter's chatter this sure ("今天天气真好") is not taken as more about their report
# A reply under a ticket is read as another matter only when the classifier is this sure of another category:
# "我家门口也是" (0.53, 邻里纠纷) under a litter ticket is a 附议, "我们5栋的电梯也坏了" (0.90, 报修) is not.
SURE_OTHER_MATTER = 0.7
# Chatter this unsure that names a fault at a numbered place ("10栋地下室漏水") is asked about (立案 / 不是)
UNSURE_FAULT = 0.7
SURE_REPORT = 0.9  # a reply to the call for topics this sure of a problem at a named place is a report
_TICKET_IN_TEXT = re.compile(r"#([0-9]{1,9})(?![0-9])")
CLOSED_STATUSES = (Status.CLOSED.value, Status.CANCELLED.value)
# "我前几天反映的事怎么样了", "上次报的问题有进展吗": a resident asking after their own reports
_ASKS_AFTER_OWN = re.compile(
    r"我(?:们)?[^，。,.!！?？\s]{0,6}(?:反映|报|说|提)(?:过)?的(?:事|事情|问题)[^，。,.!！]{0,4}"
    r"(?:怎么样|咋样|如何|有进展|有消息|有结果|处理了|办了|进度)"
)
# "@赵强 你什么时候来看一下", "那个事怎么样了": a chase that names no matter (checked only when no keyword or
# place says which): the sender's open reports are shown, or they are asked which matter they mean
_VAGUE_CHASE = re.compile(
    r"(?:那个|这个|那件|这件|上次|之前|前几天|前两天|我说|说过|讲过|跟你说|和你说)的?(?:事|事情|问题)[^，。,.!！]{0,4}"
    r"(?:怎么样|咋样|如何|有进展|有消息|有结果|处理了|办了|进度|什么时候|啥时候|弄好|搞好|解决)"
    r"|(?:什么时候|啥时候|几时|哪天)(?:能|可以|有空)?(?:过来|来|上门)(?:帮忙|帮我们|帮我)?(?:看|修|处理|弄|瞧|解决)"
    r"|怎么还没(?:人)?(?:来|过来|上门)"
)
# "还是不亮", "根本没修好", "又坏了": what was marked done is not
_NOT_FIXED = re.compile(r"(?:还是|仍然|依然|照样|根本)(?:没|不|坏)|没修好|没弄好|没解决|没处理好|又坏了|又不亮了")
# "又不亮了", "又堵了", "又开始漏": the trouble is back
_CAME_BACK = re.compile(r"又(?:坏|漏|堵|停|不亮|不通|不行|出现|开始|满|堆|积|脏|乱|吵|臭|来了|有人)")
_TOO_LONG_NUMBER = re.compile(r"[#＃]?[0-9]{10,}(?![^\s])")  # "进度 99999999999999999999": no such ticket
# "满意 1" "不满意 #2 灯还是不亮": a rating naming its ticket after the word
_RATING_THEN_NUMBER = re.compile(
    r"^(?P<rating>\S+)\s+[#＃]?(?P<number>[0-9]{1,9})(?:\s+(?P<rest>.*))?$", re.DOTALL
)
_NUMBER = re.compile(r"[0-9]{1,9}")  # ticket and question numbers: ASCII digits, within any database's integer


# Asked for every report, so built once; only the values change.
RECENT = (
    select(Ticket.id)
    .where(
        Ticket.reporter_id == bindparam("user"),
        Ticket.source_chat_id == bindparam("chat"),
        Ticket.created_at >= bindparam("since"),
        Ticket.status.in_([s.value for s in ACTIVE_STATUSES]),
    )
    .order_by(Ticket.id.desc())
    .limit(1)
)

# the sender's reports not yet archived, newest first (what a chase or a "still not fixed" is about)
OWN_OPEN = (
    select(Ticket.id, Ticket.matter)
    .where(
        Ticket.grid_id == bindparam("grid"),
        Ticket.reporter_id == bindparam("user"),
        Ticket.status.in_([*(s.value for s in ACTIVE_STATUSES), Status.RESOLVED.value]),
    )
    .order_by(Ticket.id.desc())
    .limit(20)
)


_PHOTO_WORDS = frozenset({"照片", "图片", "相片", "拍照", "视频"})
# a report taken back: 发错了, 发错群了 请忽略, 搞错了 不是我们小区的
_SENT_BY_MISTAKE = re.compile(r"发错了|发错群|发错地方|请忽略|搞错了|弄错了|不用管了|不用理")


def _unsure_fault(result: Classification, text: str) -> bool:
    """Chatter, but barely, that names a fault at a numbered place (10栋地下室漏水): worth asking about."""
    return (
        bool(result.keywords)
        and not (result.resolved or result.question)
        and result.confidence < UNSURE_FAULT
        and names_a_fault(text)
        and bool(numbered_place(text))
    )


class Intake:
    """Turns one inbound message into core actions; every reply goes into ctx.out."""

    def __init__(self, classifier):
        self.classifier = classifier
        self.residents = ResidentBook()
        self._last: tuple[str, Classification] | None = None

    def _classify(self, text: str) -> Classification:
        """The classifier's reading of `text`, once per message: a reply is read to see whether it speaks of
        another matter, then again as speech; an edit, a forward or a topic reply likewise."""
        if self._last is None or self._last[0] != text:
            self._last = (text, self.classifier.classify(text))
        return self._last[1]

    # -- entry ---------------------------------------------------------------------------------------
    def handle(self, ctx: Context, msg: Inbound) -> str | None:
        """Process one message; returns a short toast for button presses."""
        if msg.moved_to is not None:  # before the sender checks: Telegram may sign it as the group itself
            follow_move(ctx, msg.chat_id, msg.moved_to)
            return None
        if msg.is_bot or msg.chat_type == "channel":
            return None
        grid = ctx.config.grid_for_chat(msg.chat_id)
        if msg.chat_type == "group" and grid is None:
            self._notice_unknown_group(ctx, msg)
            return None
        try:
            if msg.kind == "callback":
                return self._callback(ctx, msg)
            if msg.edited:
                self._edited(ctx, msg)
                return None
            if grid is not None and ctx.config.intake_mode(grid) == "mention" and not self._addressed(msg):
                return None
            self._message(ctx, msg, grid)
        except Refusal as refusal:
            if msg.kind == "callback":
                return refusal.reason
            ctx.reply(refusal.reason, kind="refusal")
        return None

    def _addressed(self, msg: Inbound) -> bool:
        """In an "@bot only" group: what the bot acts on without an @ — a command (the 满意 or 认领 its own
        prompts ask for) and an emergency (where the platform delivers it at all)."""
        if msg.mentions_bot or msg.reply_to_bot or msg.text.startswith("/"):
            return True
        return parse(msg.text) is not None or (bool(msg.text.strip()) and self._classify(msg.text).urgent)

    def _notice_unknown_group(self, ctx: Context, msg: Inbound) -> None:
        key = f"unknown-group:{msg.chat_id}"
        if ctx.session.get(Notice, key) is None:
            ctx.session.add(Notice(key=key, created_at=ctx.now))
            ctx.send(msg.chat_id, texts.unknown_group(), kind="unknown_group")

    # -- buttons -------------------------------------------------------------------------------------
    def _callback(self, ctx: Context, msg: Inbound) -> str | None:
        parts = (msg.callback_data or "").split(":")
        if (
            len(parts) < 2
            or not _NUMBER.fullmatch(parts[1])
            or not all(_NUMBER.fullmatch(p) for p in parts[2:3] if parts[0] == "xfer")
        ):
            return texts.TOASTS["stale_button"]  # forged or stale button data
        verb, target = parts[0], int(parts[1])
        ctx.message_id = None  # answers to a button go to the chat, not as a reply to the bot's own message
        if verb == "claim":
            actions.claim(ctx, target)
            return texts.TOASTS["claimed"].format(n=target)
        if verb == "transfer":
            ticket = tickets.load(ctx, target)
            tickets.authorize(ctx, tickets.Action.TRANSFER, ticket)
            rows = [[Button(name, f"xfer:{target}:{i}")] for i, name in enumerate(ctx.config.departments)]
            ctx.reply(
                texts.transfer_menu(target),
                buttons=rows,
                ticket_id=target,
                kind="transfer_menu",
            )
            return None
        if verb == "xfer" and len(parts) == 3 and int(parts[2]) < len(ctx.config.departments):
            actions.transfer(ctx, target, ctx.config.departments[int(parts[2])], "")
            return texts.TOASTS["transferred"].format(n=target)
        if verb == "rate" and len(parts) == 3 and parts[2] in texts.RATING_NAMES:
            actions.rate(ctx, target, parts[2])
            return texts.TOASTS["rated"]
        if verb in ("file", "note") and len(parts) == 3:
            return answer_question(ctx, target, parts[2])
        return texts.TOASTS["stale_button"]

    def forget_cached(self) -> None:
        """A transaction was rolled back: what was remembered from it may not be in the database."""
        self.residents.forget()

    # -- messages ------------------------------------------------------------------------------------
    def _message(self, ctx: Context, msg: Inbound, grid: Grid | None) -> None:
        command = parse(msg.text) if msg.text else None
        about = self._ticket_replied_to(ctx, msg)
        if command is not None and self._command(ctx, msg, command, about, grid):
            return
        if about is not None and self._reply_about_ticket(ctx, msg, about):
            return
        if grid is not None and self._answers_topics_call(ctx, msg):
            add_topic(ctx, grid, msg.text, msg.message_id)  # the invitation said "reply"; so they did
            return
        if msg.chat_type == "private":
            grid = self.residents.grid_of(ctx, msg)
            if grid is None:
                if not self._private_without_grid(ctx, msg):
                    self.residents.ask_grid(ctx, msg)
                return
            if open_question(ctx, msg, "grid") is not None:
                # "我住枫林小区7栋" after the bot asked: the answer, and what waited for it is heard now
                self._set_grid(ctx, msg, grid.id)
                if not msg.text.strip() or self._classify(msg.text.strip()).intent == "chatter":
                    return
            said = len(ctx.out)
            self._speech(ctx, msg, grid)
            if len(ctx.out) == said and msg.text.strip():
                # "你好", "谢谢", "😊" to the bot alone: a group lets chatter pass, a private chat answers it
                thanks = is_acknowledgement(msg.text)
                ctx.reply(texts.WELCOME_BACK if thanks else texts.PRIVATE_CHATTER, kind="help")
            return
        # Before the speech: the resident's row then joins the ticket's writes in one flush.
        self.residents.remember(ctx, msg, grid)
        self._speech(ctx, msg, grid)

    def _private_without_grid(self, ctx: Context, msg: Inbound) -> bool:
        """A private message from someone whose grid is not known yet, answered without it: the name of their
        estate after the bot asked ("我住桂花苑"), or a question the community's one service guide answers."""
        if open_question(ctx, msg, "grid") is not None:
            grid = _estate_named(ctx, msg.text)
            if grid is not None:
                return self._set_grid(ctx, msg, grid.id)
        text = msg.text.strip()
        result = self._classify(text) if text else None
        service = self._guide_asked(ctx, text, result) if result is not None else None
        if service is None:
            return False
        answer_service(ctx, service, msg, None, result.category)
        return True

    def _guide_asked(self, ctx: Context, text: str, result: Classification) -> ServiceEntry | None:
        """The service-guide entry a message asks about (一次性告知): not an emergency, nor a complaint that an
        application is stuck (a ticket for a worker)."""
        service = match_service(ctx.config, text)
        if service is None or result.urgent or is_stalled(text):
            return None
        return service if result.question or wants_guide(text, service) else None

    def _ticket_replied_to(self, ctx: Context, msg: Inbound) -> Ticket | None:
        if not msg.reply_to_message_id:
            return None
        ticket_id = ctx.session.execute(
            select(OutboxMessage.ticket_id).where(
                OutboxMessage.chat_id == msg.chat_id,
                OutboxMessage.platform_message_id == msg.reply_to_message_id,
                OutboxMessage.ticket_id.is_not(None),
            )
        ).scalar()
        if ticket_id is not None:
            return ctx.session.get(Ticket, ticket_id)
        reported = tickets.find_by_source(ctx.session, msg.platform, msg.chat_id, msg.reply_to_message_id)
        if reported is not None or not msg.reply_to_bot:
            return reported
        # The bot's message may not be marked sent yet (a very quick reply), or came from another transport:
        # its own text names the ticket ("已受理 #12…", "#12 已办结…").
        # Only a message about one ticket: "同意" under the agenda or a list of unclaimed ones is about none.
        named = set(_TICKET_IN_TEXT.findall(msg.reply_to_text))
        return ctx.session.get(Ticket, int(named.pop())) if len(named) == 1 else None

    def _answers_topics_call(self, ctx: Context, msg: Inbound) -> bool:
        """A reply to the bot's 【议题征集】 with a suggestion in it (not "好的", not an emergency)."""
        if not msg.reply_to_bot or not msg.text.strip() or is_acknowledgement(msg.text) or ctx.actor.is_staff:
            return False
        kind = ctx.session.execute(
            select(OutboxMessage.kind).where(
                OutboxMessage.chat_id == msg.chat_id, OutboxMessage.platform_message_id == msg.reply_to_message_id
            )
        ).scalar()
        if kind != "talk_notice" and not msg.reply_to_text.startswith(texts.TOPICS_CALL_HEAD):
            return False
        result = self._classify(msg.text)
        grid = ctx.config.grid_for_chat(msg.chat_id)
        sure_report = (
            result.intent == "request"
            and result.category not in (None, "suggestion")
            and result.confidence >= SURE_REPORT
            and bool(grid is not None and place_of(msg.text, grid))
        )  # "5栋电梯坏了三天了 赶紧派人修" under the call is a report, "健身器材太少了 能不能多装几个" a topic
        return not result.urgent and not sure_report

    def _command(self, ctx: Context, msg: Inbound, cmd: Command, about: Ticket | None, grid: Grid | None) -> bool:
        """Run a text command; False lets the text be read as ordinary speech."""
        name = cmd.name
        if name in ("topic", "needhelp") and grid is None and msg.chat_type == "private":
            grid = self.residents.grid_of(ctx, msg)  # a resident's own grid; asked for once when not known
            if grid is None:
                self.residents.ask_grid(ctx, msg)
                return True
        if name == "help":
            ctx.reply(texts.HELP, kind="help")
            return True
        if name == "mine":
            actions.my_tickets(ctx)
            return True
        if name == "topic":
            if grid is None:
                return False
            add_topic(ctx, grid, cmd.args, msg.message_id)
            return True
        if name == "decide":
            # "决定 1 广场舞八点半结束": the topic's number without the word 议题
            decide_topic(ctx, grid, cmd.args if cmd.number is None else f"{texts.TOPIC_WORD}{cmd.number} {cmd.args}")
            return True
        if name == "setgrid":
            return msg.chat_type == "private" and self._set_grid(ctx, msg, cmd.args)
        if name in ("file", "dismiss"):
            question = open_question(ctx, msg, "file")
            if question is None:
                # "立案" typed after the button was pressed: already answered, and no words about any matter.
                return not cmd.args and cmd.number is None

            answer_question(ctx, question.id, "yes" if name == "file" else "no")
            return True
        if name == "needhelp":
            return service_help(ctx, msg, grid)
        if name == "unknown":
            ctx.reply(texts.unknown_command(), kind="usage")
            return True
        if name == "extend" and about is not None and cmd.number is not None and not starts_with_number(cmd.args):
            # "延期 3 等配件" as a reply: the number is the days, the ticket is the one replied to.
            cmd = Command(name, about.id, f"{cmd.number} {cmd.args}".strip())
        number = cmd.number if cmd.number is not None else (about.id if about is not None else None)
        numbered = _RATING_THEN_NUMBER.match(cmd.args) if name == "rate" and number is None else None
        if numbered:  # "满意 1", as the answer to "which ticket?"
            rest = numbered["rest"] or ""
            number, cmd = int(numbered["number"]), Command(name, None, f"{numbered['rating']} {rest}".strip())
        if name == "rate" and number is None:
            rating = parse_rating(cmd.args)
            choices = awaiting_rating(ctx, msg, rating[0] if rating else None)
            if not choices and rating is not None and rating[0] != "bad":
                # "满意" before the work is done: not more detail for the worker, but a rating asked for too early.
                choices = still_in_work(ctx, msg)
                if choices:
                    ctx.reply(texts.rate_after_done(choices), ticket_id=choices[0], kind="usage")
                    return True
            if not choices:
                return False
            if len(choices) > 1:
                ctx.reply(texts.which_ticket_to_rate(choices, rating[0] if rating else None), kind="usage")
                return True
            number = choices[0]
        if number is None and name in ("resolve", "note") and not cmd.args:
            question = open_question(ctx, msg, "note")
            if question is not None:  # the answer to "办结 or 备注?" given as text
                answer_question(ctx, question.id, name)
                return True
        if number is None and name == "resolve" and ctx.actor.is_staff and not _TOO_LONG_NUMBER.match(cmd.args):
            # "办结 已清理完毕", as the claim DM teaches: the one ticket in the worker's hands
            held = in_hand(ctx)
            if len(held) > 1:
                ctx.reply(texts.which_ticket_to_resolve(held), kind="usage")
                return True
            number = held[0] if held else None
        if number is None and _TOO_LONG_NUMBER.match(cmd.args):
            ctx.reply(texts.REFUSALS["not_found"].format(n=cmd.args.split()[0].lstrip("#＃")), kind="refusal")
            return True
        if number is None:
            ctx.reply(texts.USAGE[name], kind="usage")
            return True
        further, note = (more_numbers(cmd.args), "") if name == "claim" else ([], cmd.args)
        if name == "resolve" and cmd.number is not None:  # "办结 1、2 都处理好了"
            further, note = numbers_then_note(cmd.args) or ([], cmd.args)
        if further and cmd.number is not None:  # "认领 1 2 3": each is done, or told why not
            for each in [number, *further]:
                try:
                    run_ticket_command(ctx, name, each, note, msg.photo_id)
                except Refusal as refusal:
                    ctx.reply(refusal.reason, kind="refusal")
            return True
        run_ticket_command(ctx, name, number, cmd.args, msg.photo_id)
        return True

    def _reply_about_ticket(self, ctx: Context, msg: Inbound, ticket: Ticket) -> bool:
        """A reply to a bot message about a ticket acts on that ticket, unless it speaks of something else."""
        if (
            ticket.status == Status.CLOSED.value
            and tickets.has_reported(ticket, ctx.actor.user_id)
            and tickets.may_reopen(ctx, ticket)
            and (_NOT_FIXED.search(msg.text) or _CAME_BACK.search(msg.text))
            and not self._another_building(ctx, msg.text, ticket)
        ):
            # "又不亮了，晚上还是黑的" under the 回访: the 不满意 it asks for, in the resident's own words
            actions.rate(ctx, ticket.id, "bad", msg.text.strip())
            return True
        if not ctx.actor.is_staff and msg.text.strip() and self._another_matter(ctx, msg.text, ticket):
            return False  # "5栋着火了" or "我们5栋的电梯也坏了" under a litter ticket: heard as what it says
        if ticket.status == Status.CANCELLED.value:
            if not msg.text.strip() or is_acknowledgement(msg.text):
                return True
            if not ctx.actor.is_staff and self._classify(msg.text).intent == "request":
                return False  # the matter again, in words that make a report: a new ticket
            ctx.reply(texts.ticket_cancelled_already(ticket.id), ticket_id=ticket.id, kind="closed_info")
            return True
        if ticket.status in CLOSED_STATUSES:
            ctx.reply(tickets.closed_already(ctx, ticket), ticket_id=ticket.id, kind="closed_info")
            return True
        if ctx.actor.is_staff and msg.chat_type == "private" and (msg.text or msg.photo_id):
            ask_note_or_resolve(ctx, msg, ticket)
            return True
        if ctx.actor.is_staff:
            return False
        if msg.photo_id is None and is_acknowledgement(msg.text):
            return True  # "谢谢" "👍" under the bot's message: neither more detail nor a 附议
        if tickets.has_reported(ticket, ctx.actor.user_id):
            verdict = self._verdict(msg.text) if ticket.status == Status.RESOLVED.value else None
            if verdict is not None:  # "灯是修好了 亮堂多了 谢谢王芳！" under the request to confirm it
                actions.rate(ctx, ticket.id, verdict, msg.text.strip())
                return True
            tickets.add_followup(ctx, ticket, msg.text, msg.photo_id)  # more from someone who reported it
            return True
        if ticket.status in [s.value for s in OPEN_STATUSES] and msg.chat_type == "group":
            tickets.add_supporter(ctx, ticket, msg.chat_id, msg.message_id, msg.text)
            return True
        return False

    def _another_matter(self, ctx: Context, text: str, ticket: Ticket) -> bool:
        """A reply that is an emergency, or a request about another thing or another building, is a matter of
        its own. "我家也是", "我也反映过 没人管", "在2单元门口", "写错了，是5栋" or a photo's caption stay with
        the ticket replied to: only a request is split off, so that what is split off becomes a ticket."""
        result = self._classify(text)
        elsewhere = self._another_building(ctx, text, ticket)
        if result.urgent:
            # "人还在里面 快点来啊" under the lift emergency is that emergency, not a second one.
            same_emergency = ticket.urgent and ticket.status in [s.value for s in OPEN_STATUSES]
            return elsewhere or not same_emergency
        if result.intent != "request":
            return False
        if elsewhere:  # "5栋楼道也堆满杂物了" under the 3栋 ticket: 5栋's own
            return True
        # Another thing: sure of another category, and of other words — "电梯又停了 物业也不管" under a lift
        # ticket shares 电梯, and a 改类'd ticket keeps its first words.
        words = set(result.keywords)
        return (
            result.confidence >= SURE_OTHER_MATTER
            and result.category not in (None, ticket.category)
            and bool(words)
            and not words & set(ticket.matter.split())
        )

    @staticmethod
    def _another_building(ctx: Context, text: str, ticket: Ticket) -> bool:
        grid = ctx.config.grid(ticket.grid_id)
        place = place_of(text, grid) if grid is not None else ""
        return is_building(place) and is_building(ticket.place) and place != ticket.place

    # -- questions the bot asked ----------------------------------------------------------------------

    # -- residents and grids --------------------------------------------------------------------------

    def _set_grid(self, ctx: Context, msg: Inbound, grid_id: str) -> bool:
        grid = ctx.config.grid(grid_id.strip()) or _grid_named(ctx, grid_id.strip())
        if grid is None:
            choices = "；".join(f"{g.id}（{g.name}）" for g in ctx.config.grids)
            ask = texts.unknown_grid(grid_id.strip(), choices) if grid_id.strip() else texts.ask_grid(choices)
            ctx.reply(ask, kind="ask_grid")
            return True
        self.residents.remember(ctx, msg, grid, told=True)
        ctx.reply(texts.grid_set(grid.name), kind="grid_set")
        # every message that waited for the answer, in order: "养老保险年审在哪弄", then "身份证丢了怎么办"
        waiting = list(open_questions(ctx, msg, "grid"))
        for question in waiting:  # all answered first: a message heard again must not find the question open
            question.status = "answered"
        for question in waiting:
            if question.message_id == msg.message_id:
                continue  # "我住桂花苑" itself: the answer, not a message that waited
            earlier = Inbound(
                **{**msg.to_json(), "text": question.text, "message_id": question.message_id, "sent_at": None}
            )
            ctx.message_id = question.message_id
            self._message(ctx, earlier, grid)  # a command ("议题 …", "需要帮助") as well as a report
        return True

    # -- ordinary speech -------------------------------------------------------------------------------
    def _speech(self, ctx: Context, msg: Inbound, grid: Grid) -> None:
        text = msg.text.strip()
        if msg.forwarded and not (text and self._classify(text).urgent):
            # A forwarded notice or news ("网传3栋有人被困电梯，经核实为谣言") is not the sender's report; a
            # forwarded emergency ("妈妈摔倒了起不来 头在流血") is handled as one, in case it is real.
            return
        recent = self._recent_ticket(ctx, msg)
        if not text:
            if msg.kind == "photo" and recent is not None:
                tickets.add_followup(ctx, recent, "", msg.photo_id or "photo")
            return  # stickers, voice and captionless photos never open a ticket by themselves
        if _ASKS_AFTER_OWN.search(text):
            # "我前几天反映的事怎么样了": where their reports stand, not a new ticket about nothing
            actions.my_tickets(ctx, vague=True)
            return
        result = self._classify(text)
        grievance = None if result.urgent or ctx.actor.is_staff else grievance_in(ctx.config, grid, text)
        if grievance is not None:
            # "网格员王芳态度太差 我要投诉": to the one above them, whatever else the words touch (低保, 物业)
            category = ctx.config.category("other") or ctx.config.categories[-1]
            why = texts.grievance_why(grievance.about)
            report = Report(grid, category, text, why=why, place=place_of(text, grid), handler=grievance.handler)
            tickets.open_ticket(ctx, report, msg.chat_id, msg.message_id)
            return
        service = self._guide_asked(ctx, text, result)
        if service is not None:
            answer_service(ctx, service, msg, grid, result.category)
            # "17栋门口路灯坏了好几天了，另外问下高龄补贴怎么申请": the guide for the question, a ticket for the lamp
            rest = besides_service(text, service)
            result = self._classify(rest)
            reported = result.intent == "request" and not result.question and names_a_fault(rest)
            if not reported or match_service(ctx.config, rest) is not None:
                return
        if recent is None and not ctx.actor.is_staff and self._vague_chase(text, result, grid):
            actions.my_tickets(ctx, vague=True)
            return
        # a photo's caption (这是现场照片) names the photo, not another matter
        matter = matter_of([k for k in result.keywords if not (msg.kind == "photo" and k in _PHOTO_WORDS)])
        own = self._own_open(ctx, msg, grid, matter) if matter and not result.urgent else None
        if own is not None and self._own_report_again(ctx, msg, text, own, recent):
            return
        if own is None and not result.urgent and _NOT_FIXED.search(text) and names_a_fault(text):
            # "晚上看了还是不亮" after the report was marked done, in other words than the report's: its 不满意
            done = awaiting_rating(ctx, msg, None)
            if len(done) == 1:
                finished = ctx.session.get(Ticket, done[0])
                if finished is not None and not self._another_building(ctx, text, finished):
                    actions.rate(ctx, finished.id, "bad", text)
                    return
        mistaken = _SENT_BY_MISTAKE.search(text) is not None
        if (result.resolved or mistaken) and not result.question and not result.urgent:
            # "不用了 物业已经通好了" just after reporting it, or "发错了 不用管了": the worker is told, and the
            # resident how to withdraw it
            own = recent if recent is not None else own
            if (
                own is not None
                and own.status in [s.value for s in ACTIVE_STATUSES]
                and not self._another_building(ctx, text, own)
            ):
                answer = texts.sent_by_mistake(own.id) if mistaken else texts.solved_meanwhile(own.id)
                tickets.add_followup(ctx, own, text, msg.photo_id, answer=answer)
                return
        if result.intent != "request" and not result.urgent:
            # "在2单元门口" "味道很大" just after a report: more about it, though it asks for nothing itself; but
            # "我家也停电了" a minute after a report of clutter is about the power cut, not the clutter.
            if (
                recent is not None
                and result.confidence < SURE_CHATTER
                and not is_acknowledgement(text)
                and not (_about_another_matter(matter, recent) and self._topic_of(result) != recent.category)
            ):
                tickets.add_followup(ctx, recent, text, msg.photo_id)
                return
            if matter and not result.resolved and result.confidence < SURE_CHATTER:
                # "我家也停电了" while the power cut is reported: one more voice for it, though it asks nothing
                with ctx.session.no_autoflush:
                    same = self._same_matter(ctx, grid, None, place_of(text, grid), matter, msg)
                if same is not None:
                    tickets.add_supporter(ctx, same, msg.chat_id, msg.message_id, msg.text)
                    return
            if _unsure_fault(result, text):
                # "10栋地下室漏水": a fault at a numbered place, though worded as plain news: asked, not ignored
                topic = ctx.config.category(self._topic_of(result) or "other") or ctx.config.categories[-1]
                ask_to_file(ctx, msg, grid, topic, "、".join(result.keywords[:3]), place_of(text, grid), matter)
            return
        category = ctx.config.category(result.category) or ctx.config.category("other") or ctx.config.categories[-1]
        if (
            recent is not None
            and not result.urgent
            and (result.category in (None, recent.category) or msg.kind == "photo")
            and not self._another_building(ctx, text, recent)
            # "社保认证在哪里做" a minute after asking about 高龄补贴: a question of its own, not more of that one
            and not (result.question and _about_another_matter(matter, recent))
        ):
            tickets.add_followup(ctx, recent, text, msg.photo_id)
            return
        if category.id == "suggestion" and not result.urgent:
            add_topic(ctx, grid, text, msg.message_id)
            return
        lock_for(ctx.session, f"intake:{grid.id}")  # two reports of one matter at once: one ticket, one 附议
        place = place_of(text, grid)
        if not result.urgent:
            with ctx.session.no_autoflush:  # see Core._act: earlier messages' writes are flushed already
                same = self._same_matter(ctx, grid, category, place, matter, msg)
            if same is not None:
                tickets.add_supporter(ctx, same, msg.chat_id, msg.message_id, msg.text)
                return
        why = "、".join(result.keywords[:3]) or "、".join(result.urgent_words[:3])
        if result.confidence < ctx.config.intake.confirm_below and not result.urgent:
            ask_to_file(ctx, msg, grid, category, why, place, matter)
            return
        report = Report(
            grid=grid,
            category=category,
            text=text,
            urgent=result.urgent,
            emergency=result.emergency,
            why=why,
            place=place,
            matter=matter,
            photo_id=msg.photo_id,
        )
        tickets.open_ticket(ctx, report, msg.chat_id, msg.message_id)

    def _recent_ticket(self, ctx: Context, msg: Inbound) -> Ticket | None:
        since = ctx.now - dt.timedelta(minutes=ctx.config.intake.follow_up_minutes)
        with ctx.session.no_autoflush:  # see Core._act: earlier messages' writes are flushed already
            return tickets.first_of(ctx.session, RECENT, {"user": msg.user_id, "chat": msg.chat_id, "since": since})

    @staticmethod
    def _vague_chase(text: str, result: Classification, grid: Grid) -> bool:
        """"你们啥时候过来修" names no matter: its only keyword (修) is part of the chase itself."""
        chase = _VAGUE_CHASE.search(text)
        if chase is None or result.urgent or result.resolved or place_of(text, grid):
            return False
        return all(word in chase.group() for word in result.keywords)

    def _verdict(self, text: str) -> str | None:
        """What a reporter's own words under a finished ticket say of it: "还是不亮" bad, "修好了 谢谢" good."""
        if _NOT_FIXED.search(text):
            return "bad"
        result = self._classify(text)
        return "good" if result.resolved and not result.question else None

    def _topic_of(self, result: Classification) -> str | None:
        """The category the words of a message point to, even when it asks for nothing (chatter has none)."""
        if not result.keywords:
            return None
        word = result.keywords[0]
        return next((c.id for c in self.classifier.lexicon.categories if word in c.keywords), None)

    def _own_report_again(self, ctx: Context, msg: Inbound, text: str, own: Ticket, recent: Ticket | None) -> bool:
        """The resident speaks again of a matter they reported that is not yet archived (`own`): "路灯还是不亮
        根本没修好" after it was marked done is a bad rating; "楼道灯怎么还没人来修" hours later chases it (more
        detail for the worker, and its progress for the resident), not a second ticket of the same matter."""
        if self._another_building(ctx, text, own):
            return False
        if own.status == Status.RESOLVED.value and _NOT_FIXED.search(text):
            actions.rate(ctx, own.id, "bad", text)
            return True
        if own is recent:
            return False  # more about a report just made: the usual follow-up
        tickets.add_followup(ctx, own, text, msg.photo_id)
        if own.status != Status.RESOLVED.value:
            actions.progress(ctx, own.id)
        return True

    @staticmethod
    def _own_open(ctx: Context, msg: Inbound, grid: Grid, matter: str) -> Ticket | None:
        """The sender's newest report of this matter that is not yet archived (one prepared statement: it runs for
        every message that names a matter, and most senders have none)."""
        with ctx.session.no_autoflush:
            mine = ctx.session.execute(OWN_OPEN, {"grid": grid.id, "user": msg.user_id}).all()
        found = next((id_ for id_, said in mine if is_same_matter(matter, said)), None)
        return None if found is None else ctx.session.get(Ticket, found)

    def _same_matter(
        self, ctx: Context, grid: Grid, category: Category | None, place: str, matter: str, msg: Inbound
    ) -> Ticket | None:
        """附议: an open ticket of the same grid and category about the same matter (bot.matters), at the same
        place within the merge window; a report naming no place, within a few hours, at any place: after
        "3栋停电了", "又停电了" is that power cut. A report naming its building opens its own ticket beside a
        vague one, which may have been about any building."""
        if not matter:  # no words for what it is about: nothing shows it is the matter of another report
            return None
        if category is not None and category.handling == "reply":
            # 证件 and 社保 matters are each resident's own: 孙大哥's expired ID card is not 周姐's lost one
            return None
        merge = ctx.now - dt.timedelta(hours=ctx.config.intake.merge_window_hours)
        storm = ctx.now - dt.timedelta(hours=ctx.config.intake.storm_window_hours)
        where = and_(Ticket.place == place, Ticket.created_at >= merge) if place else Ticket.created_at >= storm
        # "3栋1单元电梯坏了" is not "3栋2单元电梯坏了", nor 西门's lamp 东门's: the newest that is not elsewhere.
        candidates = ctx.session.execute(
            select(Ticket.id, Ticket.text)
            .where(
                Ticket.grid_id == grid.id,
                Ticket.category == category.id if category is not None else Ticket.handling != "reply",
                where,
                same_matter(matter),
                Ticket.reporter_id != msg.user_id,
                Ticket.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(Ticket.id.desc())
        )
        found = next((id_ for id_, said in candidates if not other_spots(msg.text, said)), None)
        return None if found is None else ctx.session.get(Ticket, found)

    def _edited(self, ctx: Context, msg: Inbound) -> None:
        """An edit never opens a second ticket; on an open ticket's message it is logged and its worker told. A
        message the bot did nothing with (chatter) that is edited into a report is heard as a new report."""
        ticket = tickets.find_by_source(ctx.session, msg.platform, msg.chat_id, msg.message_id)
        if ticket is not None and msg.text.strip() and ticket.status not in CLOSED_STATUSES:
            # The ticket reads as corrected ("2栋" → "5栋"): 我的工单, the 台账 and the 附议 checks follow it;
            # the words first written stay in the 台账.
            before, grid = ticket.text, ctx.config.grid(ticket.grid_id)
            ticket.text = msg.text.strip()
            ticket.place = place_of(ticket.text, grid) if grid is not None else ticket.place
            tickets.log(ctx, ticket, "edit", texts.edit_detail(before, ticket.text))
            result = self._classify(ticket.text)
            if result.urgent and not ticket.urgent:  # "2栋楼道有杂物" edited into "2栋楼道着火了 冒烟了"
                why = "、".join(result.urgent_words[:3]) or "、".join(result.keywords[:3])
                tickets.raise_to_urgent(ctx, ticket, ctx.config.category(result.category), result.emergency, why)
                return
            owner = tickets.owner_of(ctx.config, ticket)
            tickets.dm(ctx, owner, ticket, texts.edited_dm(ticket.id, msg.text.strip()), kind="edited_dm")
        elif ticket is None and msg.text.strip() and msg.chat_type == "group":
            grid = ctx.config.grid_for_chat(msg.chat_id)
            if grid is None:
                return
            result = self._classify(msg.text)
            if result.urgent:
                self._speech(ctx, msg, grid)  # chatter edited into an emergency: an emergency all the same
            elif (
                (result.intent == "request" or _unsure_fault(result, msg.text))
                and (ctx.config.intake_mode(grid) == "all" or self._addressed(msg))
                and not self._acted_on(ctx, msg)
            ):
                # "今天天气不错" edited into "… 但是2栋楼道的垃圾三天没人清了": the report it now is. What was
                # already a 附议, a 补充, a question asked or a command done is not taken up a second time.
                self._speech(ctx, msg, grid)

    @staticmethod
    def _acted_on(ctx: Context, msg: Inbound) -> bool:
        """The bot answered this message or logged a step from it in a ticket's 台账."""
        answered = select(OutboxMessage.id).where(
            OutboxMessage.chat_id == msg.chat_id, OutboxMessage.reply_to_message_id == msg.message_id
        )
        logged = select(TicketEvent.id).where(
            TicketEvent.source_chat_id == msg.chat_id, TicketEvent.source_message_id == msg.message_id
        )
        return ctx.session.execute(answered.limit(1)).first() is not None or (
            ctx.session.execute(logged.limit(1)).first() is not None
        )


def _about_another_matter(matter: str, ticket: Ticket) -> bool:
    """Words of a matter, none of them the ticket's: "我家也停电了" is not more about a ticket for clutter."""
    said = set(ticket.matter.split())
    return bool(matter) and bool(said) and not set(matter.split()) & said


def _estate_named(ctx: Context, text: str) -> Grid | None:
    """"我住桂花苑": the one grid whose estate (the part of its name in brackets) or whole name the text holds."""
    named = [grid for grid in ctx.config.grids if any(part and part in text for part in _name_parts(grid.name))]
    return named[0] if len(named) == 1 else None


def _name_parts(name: str) -> tuple[str, ...]:
    """"东郊社区第一网格（桂花苑）" → ("东郊社区第一网格（桂花苑）", "桂花苑")."""
    inner = re.search(r"[（(]([^）)]+)[）)]", name)
    return (name, inner.group(1)) if inner else (name,)


def _grid_named(ctx: Context, said: str) -> Grid | None:
    """"网格 桂花苑": a grid by its name or a part of it, when only one grid's name holds it."""
    if len(said) < 2:
        return None
    named = [grid for grid in ctx.config.grids if said in grid.name]
    return named[0] if len(named) == 1 else None
