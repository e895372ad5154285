"""Questions the bot asks and waits on: 立案? for unsure reports, 办结 or 备注? for a worker's note, 需要帮助 after a
service answer. The answer may come by button or as text, in any later message."""

from __future__ import annotations

from sqlalchemy import select

from bot import actions, texts, tickets
from bot.config import Category, Grid
from bot.messages import Button, Inbound
from bot.models import PendingQuestion, Ticket
from bot.places import place_of
from bot.tickets import Context, Report


def remember_question(ctx: Context, msg: Inbound, kind: str, **fields) -> PendingQuestion:
    """Store what the bot asked this person in this chat, to be answered by a later button press or message."""
    question = PendingQuestion(
        kind=kind,
        user_id=msg.user_id,
        user_name=ctx.actor.name,
        chat_id=msg.chat_id,
        message_id=msg.message_id,
        text=msg.text,
        created_at=ctx.now,
        **fields,
    )
    ctx.session.add(question)
    ctx.session.flush()
    return question


def ask_note_or_resolve(ctx: Context, msg: Inbound, ticket: Ticket) -> None:
    """A worker's free-text reply to their DM: ask once whether it is the 办结 note or just a note."""
    question = remember_question(ctx, msg, "note", ticket_id=ticket.id, payload={"photo_id": msg.photo_id})
    buttons = [
        [
            Button(texts.BUTTONS["resolve"], f"note:{question.id}:resolve"),
            Button(texts.BUTTONS["note"], f"note:{question.id}:note"),
        ]
    ]
    ctx.reply(texts.ask_note_or_resolve(ticket.id), buttons=buttons, ticket_id=ticket.id, kind="ask_note")


def _open_questions(msg: Inbound, kind: str):
    return select(PendingQuestion).where(
        PendingQuestion.user_id == msg.user_id,
        PendingQuestion.chat_id == msg.chat_id,
        PendingQuestion.kind == kind,
        PendingQuestion.status == "open",
    )


def open_question(ctx: Context, msg: Inbound, kind: str) -> PendingQuestion | None:
    """The newest unanswered question of this kind to this person in this chat."""
    query = _open_questions(msg, kind).order_by(PendingQuestion.id.desc()).limit(1)
    return ctx.session.execute(query).scalar_one_or_none()


def open_questions(ctx: Context, msg: Inbound, kind: str) -> list[PendingQuestion]:
    """Every unanswered question of this kind to this person in this chat, oldest first."""
    return list(ctx.session.execute(_open_questions(msg, kind).order_by(PendingQuestion.id)).scalars())


def answer_question(ctx: Context, question_id: int, answer: str) -> str | None:
    """Act on an answer (button or text); returns the toast for a button."""
    question = ctx.session.get(PendingQuestion, question_id)
    if question is None or question.status != "open":
        return texts.already_answered()
    if question.user_id != ctx.actor.user_id:
        return texts.TOASTS["not_the_asker"]
    question.status = "answered"
    ctx.chat_id = question.chat_id
    ctx.message_id = question.message_id
    if question.kind == "note":
        photo = (question.payload or {}).get("photo_id")
        if answer == "resolve":
            actions.resolve(ctx, question.ticket_id, question.text, photo)
            return texts.TOASTS["resolved"]
        actions.add_note(ctx, question.ticket_id, question.text, photo)
        return texts.TOASTS["noted"]
    if answer != "yes":
        ctx.reply(texts.not_a_ticket(), kind="dismissed")
        return texts.TOASTS["dismissed"]
    grid = ctx.config.grid(question.grid_id or "")
    category = ctx.config.category(question.category) or ctx.config.categories[-1]
    if grid is None:
        return texts.TOASTS["grid_missing"]
    noted = question.payload or {}
    report = Report(
        grid=grid,
        category=category,
        text=question.text,
        why=noted.get("why", ""),
        place=noted.get("place", ""),
        matter=noted.get("matter", ""),
    )
    tickets.open_ticket(ctx, report, question.chat_id, question.message_id)
    return texts.TOASTS["filed"]


def ask_to_file(ctx: Context, msg: Inbound, grid: Grid, category: Category, why: str, place: str, matter: str) -> None:
    """An unsure report: ask 立案 or 不是 before opening anything, keeping what the classifier saw."""
    question = remember_question(
        ctx, msg, "file", grid_id=grid.id, category=category.id, payload={"why": why, "place": place, "matter": matter}
    )
    buttons = [
        [
            Button(texts.BUTTONS["file"], f"file:{question.id}:yes"),
            Button(texts.BUTTONS["dismiss"], f"file:{question.id}:no"),
        ]
    ]
    ctx.reply(
        texts.ask_to_file(category.name if category.id != "other" else "", why),
        buttons=buttons,
        kind="ask_file",
    )


def service_help(ctx: Context, msg: Inbound, grid: Grid | None) -> bool:
    """需要帮助 after a service answer: the question becomes a ticket for a worker to help in person."""
    question = open_question(ctx, msg, "service")
    if question is None or grid is None:
        return False
    question.status = "answered"
    category = ctx.config.category(question.category) or ctx.config.categories[-1]
    report = Report(
        grid=grid,
        category=category,
        text=question.text,
        why=question.payload.get("service", ""),
        place=place_of(question.text, grid),
    )
    tickets.open_ticket(ctx, report, question.chat_id, question.message_id)
    return True
