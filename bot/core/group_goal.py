"""The group goal's celebration: what it says, and the marker that finds it again."""

from __future__ import annotations

import hashlib
from datetime import date

from bot.core.reminders import ReminderPart


def weekly_nonce(guild_id: int, kind: str, monday: date, part: int = 0) -> str:
    """A deterministic nonce (Discord allows 25 characters) for one weekly post's part."""
    digest = hashlib.sha256(f"{guild_id}:{kind}:{monday.isoformat()}:{part}".encode())
    return "lw" + digest.hexdigest()[:23]


def celebration(guild_id: int, monday: date, total: int, goal: int, *, late: bool) -> ReminderPart:
    """The one message of the week the goal is reached. It pings nobody."""
    lines = [
        f"🎉 **Goal reached!** This server has logged **{total}** leg days this week "
        f"(goal: {goal}).",
        "Every leg day from here on is a bonus. Keep them coming! 🦵",
    ]
    if late:
        lines.insert(1, "*(A bit late, sorry: the bot was away when it happened.)*")
    return ReminderPart(
        content="\n".join(lines),
        user_ids=(),
        role_id=None,
        nonce=weekly_nonce(guild_id, "goal", monday),
        first=False,
    )
