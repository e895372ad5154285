"""A grid's group that moved to another chat id: the bot follows it there and says so once.

Telegram turns a group into a supergroup (past 200 members, or when an admin changes certain settings) and the
group gets a new id; the old one is dead. The config still names the old id, so the move is kept in the
database and applied at every start (Config.chat_moves): the grid is served under the new id, what was waiting
for the old one goes there, and the admins and the grid's leaders hear the new id to put in the config.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import routing, texts
from bot.config import Config, Role
from bot.models import ChatMove, OutboxMessage
from bot.tickets import Context


def load_moves(session: Session, config: Config) -> None:
    """Apply the moves kept in the database to the config's lookups (at start)."""
    for old, new in session.execute(select(ChatMove.old_chat_id, ChatMove.new_chat_id).order_by(ChatMove.moved_at)):
        config.chat_moves.add(old, new)


def follow_move(ctx: Context, old: str, new: str) -> None:
    """The group `old` is now `new`: serve its grid there from now on. Telegram tells both chats, so this is heard
    twice; the second time changes nothing."""
    grid = ctx.config.grid_for_chat(old)
    if grid is None or old == new:
        return  # not a grid's group: nothing of ours lives there
    ctx.config.chat_moves.add(old, new)  # again after a rolled-back attempt: the database row below decides
    if ctx.session.get(ChatMove, old) is not None:
        return
    ctx.session.add(ChatMove(old_chat_id=old, new_chat_id=new, platform=ctx.platform, moved_at=ctx.now))
    # What still waits for the old id goes to the new one; the old group's messages cannot be replied to there.
    ctx.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == old, OutboxMessage.status == "pending")
        .values(chat_id=new, reply_to_message_id=None),
        execution_options={"synchronize_session": False},
    )
    told = {w.user_id: w for w in routing.leaders_of(ctx.config, grid.id) + ctx.config.with_roles(Role.ADMIN)}
    for person in told.values():
        ctx.send(
            person.user_id,
            texts.group_moved(grid.name, old, new),
            kind="group_moved",
            idempotency_key=f"group-moved:{old}:{person.user_id}",
        )
