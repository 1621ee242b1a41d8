"""Users, the application and gateway discovery."""

from __future__ import annotations

from typing import Any

from fakediscord import payloads
from fakediscord.checks import ApiError
from fakediscord.rest import Ctx, RouteTable

table = RouteTable()


@table.route("GET", "/users/@me")
async def get_me(ctx: Ctx) -> Any:
    return payloads.current_user(ctx.emu.bot)


@table.route("GET", "/users/{user_id}")
async def get_user(ctx: Ctx) -> Any:
    unknown = ApiError(404, 10013, "Unknown User")
    user = ctx.emu.world.users.get(ctx.int_param("user_id", unknown))
    if user is None:
        raise unknown
    return payloads.user(user)


@table.route("GET", "/oauth2/applications/@me")
async def get_oauth_app(ctx: Ctx) -> Any:
    return payloads.application(ctx.emu.application)


@table.route("GET", "/applications/@me")
async def get_app(ctx: Ctx) -> Any:
    return payloads.application(ctx.emu.application)


@table.route("GET", "/gateway", auth=False)
async def get_gateway(ctx: Ctx) -> Any:
    return {"url": ctx.emu.gateway_url.rstrip("/")}


@table.route("GET", "/gateway/bot")
async def get_gateway_bot(ctx: Ctx) -> Any:
    hub = ctx.emu.hub
    return {
        "url": ctx.emu.gateway_url.rstrip("/"),
        "shards": hub.recommended_shards,
        "session_start_limit": {
            "total": hub.session_start_total,
            "remaining": hub.session_start_remaining(),
            "reset_after": 86_400_000,
            "max_concurrency": hub.max_concurrency,
        },
    }
