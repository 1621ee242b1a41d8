"""Lookups shared by route modules (answering Discord's errors when things are missing)."""

from __future__ import annotations

from fakediscord.checks import ApiError, missing_access, unknown_channel, unknown_message
from fakediscord.permissions import Permission
from fakediscord.rest import Ctx
from fakediscord.state import Channel, Guild, Message


def channel_of(ctx: Ctx, param: str = "channel_id") -> Channel:
    channel = ctx.emu.world.channels.get(ctx.int_param(param, unknown_channel()))
    if channel is None or channel.deleted:
        raise unknown_channel()
    return channel


def require_view(ctx: Ctx, channel: Channel) -> int:
    perms = ctx.emu.world.permissions_in(ctx.emu.bot, channel)
    if not perms & Permission.VIEW_CHANNEL:
        raise missing_access(f"bot cannot view channel {channel.name or channel.id}")
    return perms


def message_in(ctx: Ctx, channel: Channel, param: str = "message_id") -> Message:
    msg = ctx.emu.world.messages.get(ctx.int_param(param, unknown_message()))
    if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
        raise unknown_message()
    return msg


def guild_of(ctx: Ctx, param: str = "guild_id") -> Guild:
    unknown = ApiError(404, 10004, "Unknown Guild", violation="unknown_guild")
    guild = ctx.emu.world.guilds.get(ctx.int_param(param, unknown))
    if guild is None:
        raise unknown
    if ctx.emu.bot.id not in guild.members:
        raise missing_access(f"bot is not a member of guild {guild.name}")
    return guild
