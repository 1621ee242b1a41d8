"""Application command registration (global and per guild)."""

from __future__ import annotations

from typing import Any

from fakediscord import payloads
from fakediscord.checks import ApiError, PayloadReport
from fakediscord.commands import bulk_overwrite, upsert, validate_command
from fakediscord.rest import NO_CONTENT, Ctx, RouteTable
from fakediscord.routes.common import guild_of
from fakediscord.state import AppCommand

table = RouteTable()


def _check_app(ctx: Ctx) -> None:
    unknown = ApiError(404, 10002, "Unknown Application", violation="unknown_application")
    if ctx.int_param("application_id", unknown) != ctx.emu.application.id:
        raise unknown


def _scope(ctx: Ctx) -> int | None:
    _check_app(ctx)
    if "guild_id" in ctx.request.match_info:
        return guild_of(ctx).id
    return None


def _listing(ctx: Ctx, guild_id: int | None) -> list[AppCommand]:
    return [
        c
        for c in ctx.emu.world.commands.values()
        if c.guild_id == guild_id and c.application_id == ctx.emu.application.id
    ]


def _one(ctx: Ctx, guild_id: int | None) -> AppCommand:
    unknown = ApiError(404, 10063, "Unknown application command")
    cmd = ctx.emu.world.commands.get(ctx.int_param("command_id", unknown))
    if cmd is None or cmd.guild_id != guild_id:
        raise unknown
    return cmd


for _prefix in (
    "/applications/{application_id}",
    "/applications/{application_id}/guilds/{guild_id}",
):

    @table.route("GET", _prefix + "/commands")
    async def list_commands(ctx: Ctx) -> Any:
        return [payloads.app_command(c) for c in _listing(ctx, _scope(ctx))]

    @table.route("PUT", _prefix + "/commands")
    async def put_commands(ctx: Ctx) -> Any:
        guild_id = _scope(ctx)
        return [payloads.app_command(c) for c in bulk_overwrite(ctx.emu, guild_id, ctx.json)]

    @table.route("POST", _prefix + "/commands")
    async def post_command(ctx: Ctx) -> Any:
        guild_id = _scope(ctx)
        report = PayloadReport()
        validate_command(report, 0, ctx.body())
        report.raise_if_any()
        cmd = upsert(ctx.emu, guild_id, ctx.body())
        ctx.emu.changed()
        return payloads.app_command(cmd)

    @table.route("GET", _prefix + "/commands/{command_id}")
    async def get_command(ctx: Ctx) -> Any:
        return payloads.app_command(_one(ctx, _scope(ctx)))

    @table.route("PATCH", _prefix + "/commands/{command_id}")
    async def patch_command(ctx: Ctx) -> Any:
        cmd = _one(ctx, _scope(ctx))
        merged = {**cmd.raw, **ctx.body()}
        report = PayloadReport()
        validate_command(report, 0, merged)
        report.raise_if_any()
        cmd.raw = {k: v for k, v in merged.items() if k not in ("id", "application_id", "version")}
        cmd.name = str(merged.get("name", cmd.name))
        cmd.version = ctx.emu.ids.next()
        ctx.emu.changed()
        return payloads.app_command(cmd)

    @table.route("DELETE", _prefix + "/commands/{command_id}")
    async def delete_command(ctx: Ctx) -> Any:
        cmd = _one(ctx, _scope(ctx))
        ctx.emu.world.commands.pop(cmd.id, None)
        ctx.emu.changed()
        return NO_CONTENT
