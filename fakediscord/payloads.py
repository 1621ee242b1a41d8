"""Render emulator state as the JSON Discord sends."""

from __future__ import annotations

from typing import Any

from fakediscord.clock import iso_timestamp
from fakediscord.snowflakes import snowflake_time
from fakediscord.state import (
    DM,
    GUILD_VOICE,
    AppCommand,
    Application,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from fakediscord.world import World

JSON = dict[str, Any]


def user(u: User) -> JSON:
    data: JSON = {
        "id": str(u.id),
        "username": u.name,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": u.avatar,
        "avatar_decoration_data": None,
        "banner": None,
        "accent_color": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
        "collectibles": None,
    }
    if u.bot:
        data["bot"] = True
    return data


def current_user(u: User) -> JSON:
    data = user(u)
    data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return data


def member(m: Member, *, with_user: bool = True, permissions: int | None = None) -> JSON:
    data: JSON = {
        "roles": [str(r) for r in m.role_ids],
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "joined_at": iso_timestamp(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }
    if with_user:
        data["user"] = user(m.user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(r: Role) -> JSON:
    data: JSON = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position if r.id != r.guild_id else 0,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }
    if r.bot_id is not None:
        data["tags"] = {"bot_id": str(r.bot_id)}
    return data


def channel(c: Channel, *, bot: User | None = None) -> JSON:
    if c.type == DM:
        recipients = [u for u in c.recipients if bot is None or u.id != bot.id]
        return {
            "id": str(c.id),
            "type": DM,
            "last_message_id": str(c.last_message_id) if c.last_message_id else None,
            "flags": 0,
            "recipients": [user(u) for u in recipients],
        }
    data: JSON = {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "flags": 0,
        "parent_id": str(c.parent_id) if c.parent_id else None,
        "permission_overwrites": [
            {
                "id": str(target),
                "type": ow.target_type,
                "allow": str(ow.allow),
                "deny": str(ow.deny),
            }
            for target, ow in c.overwrites.items()
        ],
        "nsfw": c.nsfw,
    }
    if c.type == GUILD_VOICE:
        data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
    else:
        data.update(
            {
                "topic": c.topic,
                "last_message_id": str(c.last_message_id) if c.last_message_id else None,
                "rate_limit_per_user": c.rate_limit_per_user,
                "default_auto_archive_duration": 1440,
            }
        )
    return data


def guild_base(g: Guild) -> JSON:
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": g.preferred_locale,
        "system_channel_id": str(g.system_channel_id) if g.system_channel_id else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "max_members": 500000,
        "max_presences": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "home_header": None,
        "region": "deprecated",  # Discord still sends the field, always this value
        "widget_enabled": False,
        "widget_channel_id": None,
        "nsfw": False,
        "incidents_data": None,
        "features": [],
        "roles": [role(r) for r in g.roles.values()],
        "emojis": list(g.emojis),
        "stickers": list(g.stickers),
    }


def guild_create(
    g: Guild, *, bot: User, include_all_members: bool, newly_joined: bool = False
) -> JSON:
    data = guild_base(g)
    members = [m for m in g.members.values() if include_all_members or m.user.id == bot.id]
    joined = g.bot_joined_at or g.created_at
    data.update(
        {
            "unavailable": False,
            "joined_at": iso_timestamp(joined),
            "large": len(g.members) > 250,
            "member_count": len(g.members),
            "members": [member(m) for m in members],
            "channels": [channel(c) for c in g.channels.values() if not c.deleted],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "lazy": True,
        }
    )
    if newly_joined:
        # Discord omits "unavailable" when the bot joins a guild (discord.py: on_guild_join)
        del data["unavailable"]
    return data


def attachment(a: Attachment) -> JSON:
    data: JSON = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": a.url,
        "proxy_url": a.url,
    }
    if a.content_type is not None:
        data["content_type"] = a.content_type
    if a.width is not None and a.height is not None:
        data["width"] = a.width
        data["height"] = a.height
    if a.description is not None:
        data["description"] = a.description
    if a.ephemeral:
        data["ephemeral"] = True
    return data


def message(
    m: Message,
    world: World,
    *,
    blank_content: bool = False,
    with_member: bool = True,
    with_reference: bool = True,
) -> JSON:
    guild = world.guilds.get(m.guild_id) if m.guild_id is not None else None
    mentions: list[JSON] = []
    for uid in m.mention_ids:
        mentioned = world.users.get(uid)
        if mentioned is None:
            continue
        entry = user(mentioned)
        mem = guild.members.get(uid) if guild is not None else None
        if mem is not None:
            entry["member"] = member(mem, with_user=False)
        mentions.append(entry)
    data: JSON = {
        "id": str(m.id),
        "type": m.type,
        "channel_id": str(m.channel_id),
        "author": user(m.author),
        "content": "" if blank_content else m.content,
        "timestamp": iso_timestamp(snowflake_time(m.id)),
        "edited_timestamp": iso_timestamp(m.edited_at) if m.edited_at else None,
        "tts": m.tts,
        "mention_everyone": m.mention_everyone,
        "mentions": mentions,
        "mention_roles": [str(r) for r in m.mention_role_ids],
        "attachments": [] if blank_content else [attachment(a) for a in m.attachments],
        "embeds": [] if blank_content else [dict(e) for e in m.embeds],
        "components": [] if blank_content else [dict(c) for c in m.components],
        "pinned": m.pinned,
        "flags": m.flags,
        "reactions": [
            {
                "emoji": emoji_payload(emoji),
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "me": world.bot is not None and world.bot.id in users,
                "me_burst": False,
                "burst_colors": [],
            }
            for emoji, users in m.reactions.items()
            if users
        ],
    }
    if m.guild_id is not None:
        data["guild_id"] = str(m.guild_id)
        if with_member and guild is not None:
            author_member = guild.members.get(m.author.id)
            if author_member is not None and m.webhook_id is None:
                data["member"] = member(author_member, with_user=False)
    if m.nonce is not None:
        data["nonce"] = m.nonce
    if m.webhook_id is not None:
        data["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        data["application_id"] = str(m.application_id)
    if m.message_reference is not None:
        data["message_reference"] = dict(m.message_reference)
        ref_id = m.message_reference.get("message_id")
        if with_reference and m.type == 19 and ref_id is not None:
            ref = world.messages.get(int(ref_id))
            data["referenced_message"] = (
                message(ref, world, blank_content=blank_content, with_reference=False)
                if ref is not None and not ref.deleted
                else None
            )
    if m.interaction_id is not None:
        record = world.interactions.get(m.interaction_id)
        if record is not None:
            data["interaction_metadata"] = record.metadata_payload(m)
            data["interaction"] = record.legacy_payload()
    return data


def emoji_payload(emoji: str) -> JSON:
    """Reaction emoji keys are stored as discord.py sends them: ``💪`` or ``name:id``."""
    if ":" in emoji:
        name, _, eid = emoji.rpartition(":")
        return {"id": eid, "name": name or None}
    return {"id": None, "name": emoji}


def application(app: Application) -> JSON:
    return {
        "id": str(app.id),
        "name": app.name,
        "icon": None,
        "description": app.description,
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": user(app.owner),
        "team": None,
        "flags": app.flags,
        "bot": user(app.bot),
        "rpc_origins": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": 0,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": [],
        "flags_new": str(app.flags),
        "redirect_uris": [],
        "integration_types_config": {"0": {}},
        # Discord leaves out what an application never set (store page, install link,
        # policies): absent, not null.
    }


def _permissions_text(value: object) -> str | None:
    """Discord answers with permission bit sets as strings, whichever way they came in."""
    return None if value is None else str(value)


def app_command(cmd: AppCommand) -> JSON:
    data: JSON = dict(cmd.raw)
    data.update(
        {
            "id": str(cmd.id),
            "application_id": str(cmd.application_id),
            "version": str(cmd.version),
            "type": cmd.type,
            "name": cmd.name,
            "description": cmd.raw.get("description", ""),
            "default_member_permissions": _permissions_text(
                cmd.raw.get("default_member_permissions")
            ),
            "nsfw": bool(cmd.raw.get("nsfw", False)),
        }
    )
    data.setdefault("options", [])
    data.setdefault("contexts", None)
    if data.get("integration_types") is None:  # null in a request means "the default"
        data["integration_types"] = [0]
    if cmd.guild_id is not None:
        data["guild_id"] = str(cmd.guild_id)
    else:
        data.pop("guild_id", None)
        data.setdefault("dm_permission", True)
    return data


def partial_channel_for_interaction(c: Channel, permissions: int, bot: User) -> JSON:
    data = channel(c, bot=bot)
    data["permissions"] = str(permissions)
    return data
