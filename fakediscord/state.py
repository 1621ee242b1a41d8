"""Plain state records of the emulated Discord world.

These are deliberately dumb dataclasses: the JSON shapes live in :mod:`fakediscord.payloads`,
behaviour lives in the REST/gateway/scenario modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from fakediscord.snowflakes import snowflake_time

# Channel types
GUILD_TEXT = 0
DM = 1
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5

# Message flags
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12

# Application flags relevant to gateway intents
APP_FLAG_GATEWAY_PRESENCE = 1 << 12
APP_FLAG_GATEWAY_PRESENCE_LIMITED = 1 << 13
APP_FLAG_GATEWAY_GUILD_MEMBERS = 1 << 14
APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
APP_FLAG_GATEWAY_MESSAGE_CONTENT = 1 << 18
APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_APPLICATION_COMMAND_BADGE = 1 << 23


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None
    avatar: str | None = None
    dms_open: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def __repr__(self) -> str:
        return f"<User {self.name} id={self.id}{' bot' if self.bot else ''}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def __repr__(self) -> str:
        return f"<Role {self.name} id={self.id} perms={self.permissions:#x}>"


@dataclass
class Overwrite:
    """A permission overwrite; ``target_type`` is 0 for roles and 1 for members."""

    allow: int = 0
    deny: int = 0
    target_type: int = 0


@dataclass(eq=False)
class Member:
    user: User
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: float = 0.0

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    def __repr__(self) -> str:
        return f"<Member {self.user.name} guild={self.guild_id} roles={self.role_ids}>"


@dataclass(eq=False)
class Channel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    recipients: list[User] = field(default_factory=list)
    deleted: bool = False
    last_message_id: int | None = None
    #: nonce -> (message id, creation time) for ``enforce_nonce``
    nonces: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    def __repr__(self) -> str:
        return f"<Channel #{self.name} id={self.id} type={self.type}>"


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    created_at: float = 0.0
    bot_joined_at: float = 0.0
    unavailable: bool = False
    system_channel_id: int | None = None
    preferred_locale: str = "en-US"
    # Custom emojis and stickers, as Discord sends them in GUILD_CREATE (raw objects).
    emojis: list[dict[str, object]] = field(default_factory=list)
    stickers: list[dict[str, object]] = field(default_factory=list)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def __repr__(self) -> str:
        return f"<Guild {self.name} id={self.id}>"


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False
    url: str = ""
    width: int | None = None  # images only
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass(eq=False)
class Message:
    """A message as stored by the emulator.

    Objects are live: edits mutate them in place (``revision`` counts edits), so a test holding
    a message sees later edits through the same object.
    """

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | int | None = None
    flags: int = 0
    type: int = 0
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    mention_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    edited_at: float | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    pinned: bool = False
    deleted: bool = False
    revision: int = 0
    #: emoji -> ids of users who reacted
    reactions: dict[str, list[int]] = field(default_factory=dict)
    #: the raw payload the bot sent for this message (last create/edit), for assertions
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def created_at(self) -> float:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` in this message's components (depth-first)."""
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                if "custom_id" in item:
                    found.append(str(item["custom_id"]))
                walk(item.get("components", []))
                accessory = item.get("accessory")
                if isinstance(accessory, dict):
                    walk([accessory])

        walk(self.components)
        return found

    def find_component(self, custom_id: str) -> dict[str, Any] | None:
        def walk(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                if item.get("custom_id") == custom_id:
                    return item
                inner = walk(item.get("components", []))
                if inner is not None:
                    return inner
                accessory = item.get("accessory")
                if isinstance(accessory, dict) and accessory.get("custom_id") == custom_id:
                    return accessory
            return None

        return walk(self.components)

    def __repr__(self) -> str:
        preview = self.content if len(self.content) < 40 else self.content[:37] + "..."
        return (
            f"<Message id={self.id} channel={self.channel_id} author={self.author.name}"
            f" content={preview!r} embeds={len(self.embeds)} flags={self.flags}>"
        )


@dataclass(eq=False)
class AppCommand:
    id: int
    application_id: int
    guild_id: int | None
    name: str
    type: int
    raw: dict[str, Any]
    version: int

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.raw.get("options") or [])

    @property
    def description(self) -> str:
        return str(self.raw.get("description", ""))

    def __repr__(self) -> str:
        return f"<AppCommand {self.name} id={self.id} guild={self.guild_id}>"


@dataclass(eq=False)
class Application:
    id: int
    name: str
    owner: User
    bot: User
    description: str = "An emulated application"
    message_content_allowed: bool = True
    members_allowed: bool = True
    presences_allowed: bool = True
    verified: bool = False

    @property
    def flags(self) -> int:
        flags = APP_FLAG_APPLICATION_COMMAND_BADGE
        limited = not self.verified
        if self.message_content_allowed:
            flags |= (
                APP_FLAG_GATEWAY_MESSAGE_CONTENT_LIMITED
                if limited
                else APP_FLAG_GATEWAY_MESSAGE_CONTENT
            )
        if self.members_allowed:
            flags |= (
                APP_FLAG_GATEWAY_GUILD_MEMBERS_LIMITED
                if limited
                else APP_FLAG_GATEWAY_GUILD_MEMBERS
            )
        if self.presences_allowed:
            flags |= APP_FLAG_GATEWAY_PRESENCE_LIMITED if limited else APP_FLAG_GATEWAY_PRESENCE
        return flags


class RenderedInteraction(Protocol):
    """An interaction as the world keeps it: what a message it made shows of it."""

    id: int
    token: str

    def metadata_payload(self, msg: Message | None) -> dict[str, Any]: ...

    def legacy_payload(self) -> dict[str, Any]: ...
