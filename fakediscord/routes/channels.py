"""Channels, messages, reactions, typing and DM channels."""

from __future__ import annotations

from typing import Any

from fakediscord import events, payloads
from fakediscord.checks import ApiError, missing_access, missing_permissions
from fakediscord.messaging import apply_edit, check_uploads, create_message
from fakediscord.permissions import Permission
from fakediscord.rest import NO_CONTENT, Ctx, RouteTable
from fakediscord.routes.common import channel_of, message_in, require_view
from fakediscord.state import Channel, Message

table = RouteTable()


def _check_dm(ctx: Ctx, channel: Channel) -> None:
    if not channel.is_dm:
        return
    recipient = ctx.emu.world.dm_recipient(channel, ctx.emu.bot)
    if recipient is None or not recipient.dms_open:
        raise ApiError(
            403,
            50007,
            "Cannot send messages to this user",
            violation="cannot_dm",
            detail=f"user {recipient.name if recipient else '?'} does not accept DMs",
        )


@table.route("GET", "/channels/{channel_id}")
async def get_channel(ctx: Ctx) -> Any:
    channel = channel_of(ctx)
    require_view(ctx, channel)
    return payloads.channel(channel, bot=ctx.emu.bot)


@table.route("POST", "/channels/{channel_id}/messages")
async def send_message(ctx: Ctx) -> Any:
    emu = ctx.emu
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    _check_dm(ctx, channel)
    name = channel.name or str(channel.id)
    if not perms & Permission.SEND_MESSAGES:
        raise missing_permissions(f"bot lacks SEND_MESSAGES in #{name}")
    check_uploads(emu, channel, ctx.files)
    payload = ctx.body()
    if payload.get("message_reference") and not perms & Permission.READ_MESSAGE_HISTORY:
        raise missing_permissions(f"bot lacks READ_MESSAGE_HISTORY (needed to reply) in #{name}")
    nonce = payload.get("nonce")
    if nonce is not None and payload.get("enforce_nonce") and emu.nonce_dedupe:
        seen = channel.nonces.get(str(nonce))
        if seen is not None and emu.clock.now() - seen[1] <= emu.nonce_window:
            existing = emu.world.messages.get(seen[0])
            if existing is not None and not existing.deleted:
                return payloads.message(existing, emu.world)
    msg = create_message(emu, channel, emu.bot, payload, ctx.files)
    if msg.embeds and not perms & Permission.EMBED_LINKS:
        emu.record_violation(
            "missing_embed_links",
            f"embeds sent to #{name} without EMBED_LINKS are not shown",
            ctx.key,
        )
    if msg.mention_everyone and not perms & Permission.MENTION_EVERYONE:
        msg.mention_everyone = False
    emu.world.store_message(msg)
    if nonce is not None:
        channel.nonces[str(nonce)] = (msg.id, emu.clock.now())
    events.message_create(emu, msg)
    return payloads.message(msg, emu.world)


@table.route("GET", "/channels/{channel_id}/messages")
async def history(ctx: Ctx) -> Any:
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    if not perms & Permission.READ_MESSAGE_HISTORY:
        return []
    limit = max(1, min(100, int(ctx.query.get("limit", 50))))
    msgs = ctx.emu.world.visible_messages(channel.id)
    if "before" in ctx.query:
        before = int(ctx.query["before"])
        msgs = [m for m in msgs if m.id < before][-limit:]
    elif "after" in ctx.query:
        after = int(ctx.query["after"])
        msgs = [m for m in msgs if m.id > after][:limit]
    elif "around" in ctx.query:
        around = int(ctx.query["around"])
        older = [m for m in msgs if m.id <= around][-(limit // 2 + 1) :]
        newer = [m for m in msgs if m.id > around][: limit - len(older)]
        msgs = older + newer
    else:
        msgs = msgs[-limit:]
    return [_rest_message(ctx, m) for m in reversed(msgs)]


def _rest_message(ctx: Ctx, msg: Message) -> Any:
    blank = not events.content_visible(ctx.emu, None, msg)
    return payloads.message(msg, ctx.emu.world, blank_content=blank)


@table.route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(ctx: Ctx) -> Any:
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    if not perms & Permission.READ_MESSAGE_HISTORY:
        raise missing_access(f"bot lacks READ_MESSAGE_HISTORY in #{channel.name}")
    return _rest_message(ctx, message_in(ctx, channel))


@table.route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(ctx: Ctx) -> Any:
    emu = ctx.emu
    channel = channel_of(ctx)
    require_view(ctx, channel)
    msg = message_in(ctx, channel)
    if msg.author.id != emu.bot.id:
        raise ApiError(
            403,
            50005,
            "Cannot edit a message authored by another user",
            violation="cannot_edit_others",
            detail=f"message {msg.id} by {msg.author.name}",
        )
    check_uploads(emu, channel, ctx.files)
    apply_edit(emu, msg, ctx.body(), ctx.files)
    events.message_update(emu, msg)
    emu.changed()
    return payloads.message(msg, emu.world)


@table.route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(ctx: Ctx) -> Any:
    emu = ctx.emu
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    msg = message_in(ctx, channel)
    if msg.author.id != emu.bot.id and not perms & Permission.MANAGE_MESSAGES:
        raise missing_permissions(f"bot lacks MANAGE_MESSAGES to delete {msg.id}")
    msg.deleted = True
    events.message_delete(emu, msg)
    emu.changed()
    return NO_CONTENT


@table.route("POST", "/channels/{channel_id}/typing")
async def typing(ctx: Ctx) -> Any:
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    if not perms & Permission.SEND_MESSAGES:
        raise missing_permissions(f"bot lacks SEND_MESSAGES in #{channel.name}")
    return NO_CONTENT


def _reaction_target(ctx: Ctx, need: Permission) -> tuple[Channel, Any]:
    channel = channel_of(ctx)
    perms = require_view(ctx, channel)
    if not perms & Permission.READ_MESSAGE_HISTORY:
        raise missing_access(f"bot lacks READ_MESSAGE_HISTORY in #{channel.name}")
    msg = message_in(ctx, channel)
    if need and not perms & need:
        raise missing_permissions(f"bot lacks {need.name} in #{channel.name}")
    return channel, msg


@table.route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def add_reaction(ctx: Ctx) -> Any:
    emu = ctx.emu
    _channel, msg = _reaction_target(ctx, Permission(0))
    emoji = ctx.param("emoji")
    users = msg.reactions.setdefault(emoji, [])
    if not users and not emu.world.permissions_in(emu.bot, _channel) & Permission.ADD_REACTIONS:
        raise missing_permissions("bot lacks ADD_REACTIONS")
    if emu.bot.id not in users:
        users.append(emu.bot.id)
        events.reaction(emu, msg, emu.bot, emoji, added=True)
    emu.changed()
    return NO_CONTENT


@table.route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def remove_own_reaction(ctx: Ctx) -> Any:
    emu = ctx.emu
    _channel, msg = _reaction_target(ctx, Permission(0))
    emoji = ctx.param("emoji")
    users = msg.reactions.get(emoji, [])
    if emu.bot.id in users:
        users.remove(emu.bot.id)
        events.reaction(emu, msg, emu.bot, emoji, added=False)
    emu.changed()
    return NO_CONTENT


@table.route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}")
async def remove_reaction(ctx: Ctx) -> Any:
    emu = ctx.emu
    _channel, msg = _reaction_target(ctx, Permission.MANAGE_MESSAGES)
    emoji = ctx.param("emoji")
    uid = ctx.int_param("user_id")
    users = msg.reactions.get(emoji, [])
    user = emu.world.users.get(uid)
    if uid in users and user is not None:
        users.remove(uid)
        events.reaction(emu, msg, user, emoji, added=False)
    emu.changed()
    return NO_CONTENT


@table.route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def reaction_users(ctx: Ctx) -> Any:
    _channel, msg = _reaction_target(ctx, Permission(0))
    ids = msg.reactions.get(ctx.param("emoji"), [])
    return [payloads.user(ctx.emu.world.users[u]) for u in ids if u in ctx.emu.world.users]


@table.route("POST", "/users/@me/channels")
async def create_dm(ctx: Ctx) -> Any:
    emu = ctx.emu
    body = ctx.body()
    unknown = ApiError(400, 50035, "Invalid Form Body", violation="unknown_user")
    try:
        uid = int(body.get("recipient_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise unknown from None
    user = emu.world.users.get(uid)
    if user is None:
        raise unknown
    channel = emu.world.dm_channel(user, emu.bot)
    emu.changed()
    return payloads.channel(channel, bot=emu.bot)
