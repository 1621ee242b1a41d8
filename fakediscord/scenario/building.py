"""Building the world a scenario runs in."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping

from fakediscord import events
from fakediscord.permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Permission,
)
from fakediscord.scenario.base import (
    OverwriteSpec,
    OverwriteTarget,
    ScenarioBase,
    ScenarioError,
)
from fakediscord.state import (
    GUILD_TEXT,
    Channel,
    Guild,
    Member,
    Overwrite,
    Role,
    User,
)


class WorldBuilding(ScenarioBase):
    """Users, servers, roles, channels and permissions, made as a test needs them."""

    # -- world building ----------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        *,
        global_name: str | None = None,
        bot: bool = False,
        id: int | None = None,
    ) -> User:
        """Create a user; ``id`` (here and in the other ``create_*``) fixes the snowflake
        instead of taking the next one, for worlds that must look the same on every run."""
        with self._wanted_id():
            return self.state.add_user(name, global_name=global_name, bot=bot, id=id)

    @contextlib.contextmanager
    def _wanted_id(self) -> Iterator[None]:
        try:
            yield
        except ValueError as exc:  # an explicit id that is already in use
            raise ScenarioError(str(exc)) from None

    def create_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        members: Iterable[User] = (),
        bot_permissions: int | None = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        channels: Iterable[str] = (),
        id: int | None = None,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """Create a guild the bot is in (with a managed bot role holding ``bot_permissions``).

        ``shard=(shard_id, shard_count)``: give it an id that Discord routes to that shard
        (``(id >> 22) % shard_count == shard_id``)."""
        if shard is not None:
            if id is not None:
                raise ScenarioError("give a guild an id or a shard, not both")
            shard_id, shard_count = shard
            if shard_count < 1 or not 0 <= shard_id < shard_count:
                raise ScenarioError(f"no shard {shard_id} among {shard_count} shards")
            id = self.emulator.ids.next_on_shard(shard_id, shard_count)
        with self._wanted_id():
            guild = self.state.add_guild(
                name,
                owner=owner or self.emulator.owner,
                bot=self.bot_user,
                everyone_permissions=everyone_permissions,
                bot_permissions=bot_permissions,
                id=id,
            )
        for user in members:
            self.state.add_member(guild, user)
        for channel_name in channels:
            self.state.add_channel(guild, channel_name)
        events.guild_create(self.emulator, guild)
        self.emulator.changed()
        return guild

    def remove_guild(self, guild: Guild) -> None:
        """The bot is removed from ``guild`` (GUILD_DELETE)."""
        guild.members.pop(self.bot_user.id, None)
        events.guild_delete(self.emulator, guild)
        self.emulator.changed()

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        roles: Iterable[Role] = (),
        nick: str | None = None,
    ) -> Member:
        member = self.state.add_member(guild, user, roles=list(roles), nick=nick)
        events.member_add(self.emulator, member)
        self.emulator.changed()
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        member = guild.members.pop(user.id, None)
        if member is not None:
            events.member_remove(self.emulator, member)
            self.emulator.changed()

    def set_roles(self, guild: Guild, user: User, roles: Iterable[Role]) -> Member:
        member = self.member(guild, user)
        member.role_ids = [r.id for r in roles]
        events.member_update(self.emulator, member)
        self.emulator.changed()
        return member

    def create_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int = 0,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        position: int | None = None,
        id: int | None = None,
    ) -> Role:
        """Create a role. New roles start at the bottom (position 1, above @everyone), so
        the bot's managed role stays above them unless ``position`` says otherwise."""
        with self._wanted_id():
            role = self.state.add_role(
                guild,
                name,
                permissions=permissions,
                color=color,
                hoist=hoist,
                mentionable=mentionable,
                position=position,
                id=id,
            )
        events.role_event(self.emulator, "GUILD_ROLE_CREATE", role)
        self.emulator.changed()
        return role

    def update_role(
        self, role: Role, *, permissions: int | None = None, name: str | None = None
    ) -> Role:
        if permissions is not None:
            role.permissions = int(permissions)
        if name is not None:
            role.name = name
        events.role_event(self.emulator, "GUILD_ROLE_UPDATE", role)
        self.emulator.changed()
        return role

    def move_role(self, role: Role, position: int) -> Role:
        """Move a role to ``position`` in its server's role list, as an admin dragging it
        does: the roles in between shift by one, and Discord sends GUILD_ROLE_UPDATE for
        every role whose position changed."""
        guild = self.state.guilds[role.guild_id]
        others = sorted(
            (r for r in guild.roles.values() if r.id not in (guild.id, role.id)),
            key=lambda r: r.position,
        )
        position = max(1, min(position, len(others) + 1))
        others.insert(position - 1, role)
        changed = []
        for index, each in enumerate(others, start=1):
            if each.position != index:
                each.position = index
                changed.append(each)
        for each in changed:
            events.role_event(self.emulator, "GUILD_ROLE_UPDATE", each)
        self.emulator.changed()
        return role

    def _overwrites(
        self, guild: Guild, overwrites: Mapping[OverwriteTarget, OverwriteSpec] | None
    ) -> dict[int, Overwrite]:
        result: dict[int, Overwrite] = {}
        for target, spec in (overwrites or {}).items():
            allow, deny = (spec.allow, spec.deny) if isinstance(spec, Overwrite) else spec
            target_type = 0 if isinstance(target, Role | Guild) else 1
            result[target.id] = Overwrite(allow=int(allow), deny=int(deny), target_type=target_type)
        return result

    def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        type: int = GUILD_TEXT,
        overwrites: Mapping[OverwriteTarget, OverwriteSpec] | None = None,
        topic: str | None = None,
        category: Channel | None = None,
        nsfw: bool = False,
        id: int | None = None,
    ) -> Channel:
        """Create a channel. ``overwrites`` maps a role/member/user (or the guild, meaning
        @everyone) to an :class:`Overwrite` or an ``(allow, deny)`` tuple."""
        with self._wanted_id():
            channel = self.state.add_channel(
                guild,
                name,
                type=type,
                overwrites=self._overwrites(guild, overwrites),
                topic=topic,
                parent_id=category.id if category is not None else None,
                nsfw=nsfw,
                id=id,
            )
        events.channel_event(self.emulator, "CHANNEL_CREATE", channel)
        self.emulator.changed()
        return channel

    def set_overwrite(
        self, channel: Channel, target: OverwriteTarget, *, allow: int = 0, deny: int = 0
    ) -> None:
        guild = self._guild_of(channel)
        channel.overwrites.update(self._overwrites(guild, {target: (allow, deny)}))
        events.channel_event(self.emulator, "CHANNEL_UPDATE", channel)
        self.emulator.changed()

    def delete_channel(self, channel: Channel) -> None:
        channel.deleted = True
        guild = self.state.guild_of(channel)
        if guild is not None:
            guild.channels.pop(channel.id, None)
        events.channel_event(self.emulator, "CHANNEL_DELETE", channel)
        self.emulator.changed()

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between ``user`` and the bot (created on first use)."""
        return self.state.dm_channel(user, self.bot_user)

    def block_dms(self, user: User, blocked: bool = True) -> None:
        """Make DMs to ``user`` fail with 403 50007 (as when a user closes DMs)."""
        user.dms_open = not blocked

    def member(self, guild: Guild, user: User) -> Member:
        member = guild.members.get(user.id)
        if member is None:
            raise ScenarioError(f"{user!r} is not a member of {guild!r}")
        return member

    def bot_member(self, guild: Guild) -> Member:
        return self.member(guild, self.bot_user)

    def bot_role(self, guild: Guild) -> Role:
        """The bot's managed role in ``guild`` (holds the ``bot_permissions``)."""
        for role in guild.roles.values():
            if role.bot_id == self.bot_user.id:
                return role
        raise ScenarioError(f"the bot has no managed role in {guild!r}")

    def permissions_of(self, user: User, channel: Channel) -> Permission:
        return Permission(self.state.permissions_in(user, channel))

    def _guild_of(self, channel: Channel) -> Guild:
        guild = self.state.guild_of(channel)
        if guild is None:
            raise ScenarioError(f"{channel!r} is not a guild channel")
        return guild

    def _author(self, author: User | Member) -> User:
        return author.user if isinstance(author, Member) else author

    def _check_user_can(self, user: User, channel: Channel, *needed: Permission) -> None:
        if channel.deleted:
            raise ScenarioError(f"{channel!r} was deleted")
        if channel.is_dm:
            if user not in channel.recipients:
                raise ScenarioError(f"{user!r} is not in DM {channel!r}")
            return
        guild = self._guild_of(channel)
        if user.id not in guild.members:
            raise ScenarioError(f"{user!r} is not a member of {guild!r}")
        perms = self.state.permissions_in(user, channel)
        missing = [p.name for p in needed if not perms & p]
        if missing:
            raise ScenarioError(f"{user!r} lacks {missing} in {channel!r}")
