"""Read-only guild routes."""

from __future__ import annotations

from typing import Any

from fakediscord import events, payloads
from fakediscord.checks import ApiError, missing_permissions
from fakediscord.permissions import Permission, base_permissions
from fakediscord.rest import NO_CONTENT, Ctx, RouteTable
from fakediscord.routes.common import guild_of
from fakediscord.state import Guild, Member, Role

table = RouteTable()


@table.route("GET", "/guilds/{guild_id}")
async def get_guild(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    data = payloads.guild_base(guild)
    if ctx.flag("with_counts"):
        data["approximate_member_count"] = len(guild.members)
        data["approximate_presence_count"] = 0
    return data


@table.route("GET", "/guilds/{guild_id}/channels")
async def get_channels(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    return [payloads.channel(c) for c in guild.channels.values() if not c.deleted]


@table.route("GET", "/guilds/{guild_id}/roles")
async def get_roles(ctx: Ctx) -> Any:
    return [payloads.role(r) for r in guild_of(ctx).roles.values()]


def _member(ctx: Ctx, guild: Guild) -> Member:
    unknown = ApiError(404, 10007, "Unknown Member", violation="unknown_member")
    member = guild.members.get(ctx.int_param("user_id", unknown))
    if member is None:
        raise unknown
    return member


def _role(ctx: Ctx, guild: Guild, role_id: int | None = None) -> Role:
    unknown = ApiError(404, 10011, "Unknown Role", violation="unknown_role")
    rid = role_id if role_id is not None else ctx.int_param("role_id", unknown)
    role = guild.roles.get(rid)
    if role is None:
        raise unknown
    return role


def _check_can_manage(ctx: Ctx, guild: Guild, roles: list[Role]) -> None:
    """MANAGE_ROLES plus Discord's hierarchy rule: only roles below the bot's top role."""
    bot = guild.members[ctx.emu.bot.id]
    if not base_permissions(guild, bot) & Permission.MANAGE_ROLES:
        raise missing_permissions(f"bot lacks MANAGE_ROLES in {guild.name}")
    if guild.owner_id == ctx.emu.bot.id:
        return
    top = max((guild.roles[r].position for r in bot.role_ids if r in guild.roles), default=0)
    for role in roles:
        if role.managed or role.id == guild.id:
            raise missing_permissions(f"role {role.name} is managed and cannot be assigned")
        if role.position >= top:
            raise missing_permissions(
                f"role {role.name} (position {role.position}) is not below the bot's top role"
                f" (position {top})"
            )


@table.route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(ctx: Ctx) -> Any:
    return payloads.member(_member(ctx, guild_of(ctx)))


@table.route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_member_role(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    member = _member(ctx, guild)
    role = _role(ctx, guild)
    _check_can_manage(ctx, guild, [role])
    if role.id not in member.role_ids:
        member.role_ids.append(role.id)
        events.member_update(ctx.emu, member)
    ctx.emu.changed()
    return NO_CONTENT


@table.route("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_member_role(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    member = _member(ctx, guild)
    role = _role(ctx, guild)
    _check_can_manage(ctx, guild, [role])
    if role.id in member.role_ids:
        member.role_ids.remove(role.id)
        events.member_update(ctx.emu, member)
    ctx.emu.changed()
    return NO_CONTENT


@table.route("PATCH", "/guilds/{guild_id}/members/{user_id}")
async def edit_member(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    member = _member(ctx, guild)
    body = ctx.body()
    bot = guild.members[ctx.emu.bot.id]
    perms = base_permissions(guild, bot)
    if "roles" in body:
        wanted = [_role(ctx, guild, int(r)) for r in body.get("roles") or []]
        changed = [r for r in wanted if r.id not in member.role_ids] + [
            guild.roles[r]
            for r in member.role_ids
            if r in guild.roles and r not in {w.id for w in wanted}
        ]
        _check_can_manage(ctx, guild, changed)
        member.role_ids = [r.id for r in wanted]
    if "nick" in body:
        if not perms & Permission.MANAGE_NICKNAMES and member.user.id != ctx.emu.bot.id:
            raise missing_permissions(f"bot lacks MANAGE_NICKNAMES in {guild.name}")
        member.nick = body.get("nick") or None
    events.member_update(ctx.emu, member)
    ctx.emu.changed()
    return payloads.member(member)


@table.route("GET", "/guilds/{guild_id}/members")
async def list_members(ctx: Ctx) -> Any:
    guild = guild_of(ctx)
    limit = max(1, min(1000, int(ctx.query.get("limit", 1))))
    after = int(ctx.query.get("after", 0))
    members = sorted(guild.members.values(), key=lambda m: m.user.id)
    return [payloads.member(m) for m in members if m.user.id > after][:limit]
