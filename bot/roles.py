"""Discord's rules for giving a role, read from the bot's cache (no request)."""

from __future__ import annotations

import discord

from bot.core import milestones as rules


def role_problem(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why the bot can't give `role` in `guild`, by Discord's rules (None: it can)."""
    if role.managed or role.is_default():
        return rules.ROLE_MANAGED
    me = guild.me
    if me is None:
        return None
    if not me.guild_permissions.manage_roles:
        return rules.MISSING_MANAGE_ROLES
    if guild.owner_id != me.id and role >= me.top_role:
        return rules.ROLE_TOO_HIGH
    return None
