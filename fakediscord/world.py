"""The in-memory Discord world: users, guilds, channels, messages and commands.

Pure state manipulation; nothing here talks to the network or dispatches events.
"""

from __future__ import annotations

from collections.abc import Callable

from fakediscord.clock import Clock
from fakediscord.permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    DM_PERMISSIONS,
    channel_permissions,
)
from fakediscord.snowflakes import SnowflakeFactory
from fakediscord.state import (
    DM,
    GUILD_TEXT,
    AppCommand,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    RenderedInteraction,
    Role,
    User,
)


class World:
    def __init__(self, clock: Clock, ids: SnowflakeFactory) -> None:
        self.clock = clock
        self.ids = ids
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.channel_messages: dict[int, list[Message]] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.commands: dict[int, AppCommand] = {}
        # The emulator's InteractionRecords (typed by what the world needs of them).
        self.interactions: dict[int, RenderedInteraction] = {}
        self.interaction_tokens: dict[str, RenderedInteraction] = {}
        #: the bot user, set by the emulator once created
        self.bot: User | None = None
        #: called with every message as it is stored (benchmarks time replies with it)
        self.message_observers: list[Callable[[Message], None]] = []

    # -- users -------------------------------------------------------------------------------

    def new_id(self, wanted: int | None = None) -> int:
        """A fresh snowflake, or ``wanted`` when a scenario needs ids that stay the same
        from run to run (e.g. a world whose ids are stored in a database)."""
        if wanted is None:
            return self.ids.next()
        taken = (self.users, self.guilds, self.channels, self.messages)
        if any(wanted in table for table in taken) or any(
            wanted in guild.roles for guild in self.guilds.values()
        ):
            raise ValueError(f"id {wanted} is already taken")
        return wanted

    def add_user(
        self,
        name: str,
        *,
        bot: bool = False,
        global_name: str | None = None,
        id: int | None = None,
    ) -> User:
        user = User(id=self.new_id(id), name=name, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    # -- guilds ------------------------------------------------------------------------------

    def add_guild(
        self,
        name: str,
        *,
        owner: User,
        bot: User,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int | None = DEFAULT_BOT_PERMISSIONS,
        id: int | None = None,
    ) -> Guild:
        now = self.clock.now()
        guild = Guild(id=self.new_id(id), name=name, owner_id=owner.id, created_at=now)
        guild.bot_joined_at = now
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions
        )
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        bot_roles: list[Role] = []
        if bot_permissions is not None:
            bot_roles.append(
                self.add_role(
                    guild, bot.name, permissions=bot_permissions, managed=True, bot_id=bot.id
                )
            )
        if owner is not bot:
            self.add_member(guild, bot, roles=bot_roles)
        return guild

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
        bot_id: int | None = None,
        position: int | None = None,
        id: int | None = None,
    ) -> Role:
        """Add a role; like Discord, new roles go to the bottom (position 1) unless
        ``position`` is given. Roles at or above the new position move up by one."""
        role_id = self.new_id(id)
        position = 1 if position is None else max(1, position)
        for other in guild.roles.values():
            if other.id != guild.id and other.position >= position:
                other.position += 1
        role = Role(
            id=role_id,
            guild_id=guild.id,
            name=name,
            permissions=int(permissions),
            position=position,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
            managed=managed,
            bot_id=bot_id,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        roles: list[Role] | None = None,
        nick: str | None = None,
    ) -> Member:
        member = Member(
            user=user,
            guild_id=guild.id,
            role_ids=[r.id for r in roles or []],
            nick=nick,
            joined_at=self.clock.now(),
        )
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        overwrites: dict[int, Overwrite] | None = None,
        topic: str | None = None,
        parent_id: int | None = None,
        nsfw: bool = False,
        id: int | None = None,
    ) -> Channel:
        position = len([c for c in guild.channels.values() if c.type == type])
        channel = Channel(
            id=self.new_id(id),
            type=type,
            name=name,
            guild_id=guild.id,
            position=position,
            overwrites=dict(overwrites or {}),
            topic=topic,
            parent_id=parent_id,
            nsfw=nsfw,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        if guild.system_channel_id is None and type == GUILD_TEXT:
            guild.system_channel_id = channel.id
        return channel

    def dm_channel(self, user: User, bot: User) -> Channel:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = Channel(id=self.ids.next(), type=DM, recipients=[user, bot])
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    # -- lookups -----------------------------------------------------------------------------

    def guild_of(self, channel: Channel) -> Guild | None:
        if channel.guild_id is None:
            return None
        return self.guilds.get(channel.guild_id)

    def member(self, guild: Guild | None, user_id: int) -> Member | None:
        if guild is None:
            return None
        return guild.members.get(user_id)

    def guilds_of(self, user: User) -> list[Guild]:
        return [g for g in self.guilds.values() if user.id in g.members]

    def permissions_in(self, user: User, channel: Channel) -> int:
        if channel.is_dm:
            return DM_PERMISSIONS if user in channel.recipients else 0
        guild = self.guild_of(channel)
        member = self.member(guild, user.id)
        if guild is None or member is None:
            return 0
        return channel_permissions(guild, member, channel)

    def dm_recipient(self, channel: Channel, bot: User) -> User | None:
        for user in channel.recipients:
            if user.id != bot.id:
                return user
        return None

    # -- messages ----------------------------------------------------------------------------

    def store_message(self, message: Message) -> None:
        self.messages[message.id] = message
        self.channel_messages.setdefault(message.channel_id, []).append(message)
        if not message.ephemeral:
            channel = self.channels.get(message.channel_id)
            if channel is not None:
                channel.last_message_id = message.id
        for observer in self.message_observers:
            observer(message)

    def visible_messages(self, channel_id: int) -> list[Message]:
        """Non-deleted, non-ephemeral messages of a channel, oldest first."""
        return [
            m
            for m in self.channel_messages.get(channel_id, [])
            if not m.deleted and not m.ephemeral
        ]
