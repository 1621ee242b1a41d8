"""The test-facing API: :class:`FakeDiscord`."""
# ruff: noqa: ASYNC109  -- a `timeout=` parameter is the deliberate, documented scenario API

from __future__ import annotations

import asyncio
import contextlib
import functools
import mimetypes
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, ClassVar

from fakediscord import events
from fakediscord.checks import Violation
from fakediscord.clock import Clock
from fakediscord.commands import CommandError, build_command_data
from fakediscord.connect import ENV_API_BASE, ENV_GATEWAY_URL, ENV_TOKEN, point_discord_py
from fakediscord.emulator import Emulator, RequestRecord
from fakediscord.faults import DelayFault, RateLimitFault, StatusFault
from fakediscord.gateway import (
    OP_RECONNECT,
    GatewayClose,
    GatewayFrame,
)
from fakediscord.interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    modal_submission,
)
from fakediscord.limiter import Served429
from fakediscord.messaging import resolve_mentions
from fakediscord.permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Permission,
)
from fakediscord.rate_limits import RouteLimit
from fakediscord.server import EmulatorServer
from fakediscord.state import (
    GUILD_TEXT,
    Application,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
)
from fakediscord.world import World


class _BotAuthor:
    def __repr__(self) -> str:
        return "BOT"


#: default ``author`` filter of :meth:`FakeDiscord.next_message`: messages from the bot
BOT: Any = _BotAuthor()

OverwriteTarget = Role | User | Member | Guild
OverwriteSpec = Overwrite | tuple[int, int]


class ScenarioError(RuntimeError):
    """The scenario asked for something a real user could not do."""


def typed_body_check() -> Callable[[str, str, Any, int], None] | None:
    """Request bodies checked against Discord's spec, when the spec and jsonschema (a dev
    dependency) are at hand; otherwise the emulator's own hand-written checks only."""
    try:
        from fakediscord.spec_check import load_spec
        from fakediscord.typed_input import check_typed_body
    except ImportError:
        return None
    spec = load_spec()
    if spec is None:
        return None
    return functools.partial(check_typed_body, spec)


class FakeDiscord:
    """A loopback Discord: REST + gateway on 127.0.0.1 plus helpers to drive and inspect it.

    Use as ``async with FakeDiscord() as fd: ...`` (or ``await fd.start()`` / ``await fd.stop()``).

    Rate limits are Discord's (:mod:`fakediscord.rate_limits`) unless overridden:
    ``global_rate_limit`` requests per second (``None``: off), ``route_rate_limit=(limit, per)``
    for one uniform bucket per route instead of Discord's table, ``route_limits`` to replace
    single routes (``"METHOD /template"`` → ``(limit, per)``, a ``RouteLimit`` or ``None``).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41250,
        global_rate_limit: int | None = 50,
        route_rate_limit: tuple[int, float] | None = None,
        route_limits: Mapping[str, RouteLimit | tuple[int, float] | None] | None = None,
        bot_name: str = "legday",
        compression: bool = True,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60,
        check_types: bool = True,
    ) -> None:
        self.emulator = Emulator(
            heartbeat_interval_ms=heartbeat_interval_ms,
            global_rate_limit=global_rate_limit,
            route_rate_limit=route_rate_limit,
            route_limits=route_limits,
            bot_name=bot_name,
            compression=compression,
            interaction_deadline=interaction_deadline,
            token_lifetime=token_lifetime,
        )
        # Benchmarks turn it off: typing a message body costs the emulator a few ms.
        self.emulator.check_body = typed_body_check() if check_types else None
        self.server = EmulatorServer(self.emulator, host, port)
        self._consumed: set[int] = set()
        self._restore: Callable[[], None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    # Every emulator started in this process and not yet garbage: lets a test harness
    # look at all the traffic of a test (e.g. check it against Discord's spec).
    started: ClassVar[weakref.WeakSet[FakeDiscord]] = weakref.WeakSet()

    async def start(self) -> FakeDiscord:
        await self.server.start()
        FakeDiscord.started.add(self)
        return self

    async def stop(self) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None
        await self.server.stop()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def point_discord_py(self) -> Callable[[], None]:
        """Point discord.py *in this process* at the emulator (undone by :meth:`stop`)."""
        restore = point_discord_py(self.api_base, self.gateway_url)
        previous = self._restore

        def undo() -> None:
            restore()
            if previous is not None:
                previous()

        self._restore = undo
        return undo

    def env(self) -> dict[str, str]:
        """Environment variables for a bot subprocess (see :mod:`fakediscord.connect`)."""
        return {
            ENV_API_BASE: self.api_base,
            ENV_GATEWAY_URL: self.gateway_url,
            ENV_TOKEN: self.bot_token,
        }

    # -- basic properties --------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/api/v10`` (assign to ``discord.http.Route.BASE``)."""
        return self.emulator.api_base

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/`` (``yarl.URL`` of it goes to ``DEFAULT_GATEWAY``)."""
        return self.emulator.gateway_url

    @property
    def resume_gateway_url(self) -> str:
        return self.emulator.resume_gateway_url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def bot_token(self) -> str:
        return self.emulator.bot_token

    @property
    def bot_user(self) -> User:
        return self.emulator.bot

    @property
    def application(self) -> Application:
        return self.emulator.application

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    @property
    def state(self) -> World:
        return self.emulator.world

    @property
    def requests(self) -> list[RequestRecord]:
        return self.emulator.requests

    @property
    def violations(self) -> list[Violation]:
        return self.emulator.violations

    @property
    def heartbeat_interval_ms(self) -> int:
        return self.emulator.heartbeat_interval_ms

    @heartbeat_interval_ms.setter
    def heartbeat_interval_ms(self, value: int) -> None:
        self.emulator.heartbeat_interval_ms = value

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
    ) -> Guild:
        """Create a guild the bot is in (with a managed bot role holding ``bot_permissions``)."""
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

    # -- user actions ------------------------------------------------------------------------

    async def say(
        self,
        author: User | Member,
        channel: Channel,
        content: str = "",
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: Message | None = None,
        attachments: Mapping[str, bytes] | None = None,
        force: bool = False,
    ) -> Message:
        """``author`` posts a message in ``channel`` (dispatched as MESSAGE_CREATE).

        ``<@id>``/``<@&id>``/``@everyone`` in ``content`` become mentions; ``reply_to`` makes
        it a reply (which also pings the replied-to author). Raises :class:`ScenarioError` if
        the user could not post there, unless ``force``.
        """
        emu = self.emulator
        user = self._author(author)
        if not force:
            self._check_user_can(user, channel, Permission.VIEW_CHANNEL, Permission.SEND_MESSAGES)
        reference: dict[str, Any] | None = None
        if reply_to is not None:
            reference = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
            }
            if reply_to.guild_id is not None:
                reference["guild_id"] = str(reply_to.guild_id)
        users, roles, everyone = resolve_mentions(
            emu, channel, content, allowed=None, reference=reply_to, enforce_allowed=False
        )
        files = []
        for filename, data in (attachments or {}).items():
            att_id = emu.ids.next()
            files.append(
                Attachment(
                    id=att_id,
                    filename=filename,
                    data=data,
                    content_type=mimetypes.guess_type(filename)[0],
                    url=f"{emu.base_url}/attachments/{channel.id}/{att_id}/{filename}",
                )
            )
        msg = Message(
            id=emu.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=user,
            content=content,
            embeds=list(embeds or []),
            attachments=files,
            type=19 if reply_to is not None else 0,
            message_reference=reference,
            mention_ids=users,
            mention_role_ids=roles,
            mention_everyone=everyone,
            nonce=str(emu.ids.next()),
        )
        emu.world.store_message(msg)
        self._consumed.add(msg.id)
        events.message_create(emu, msg)
        emu.changed()
        await asyncio.sleep(0)
        return msg

    async def edit(self, message: Message, content: str) -> Message:
        """A user edits their own message (MESSAGE_UPDATE)."""
        message.content = content
        message.edited_at = self.clock.now()
        message.revision += 1
        events.message_update(self.emulator, message)
        self.emulator.changed()
        await asyncio.sleep(0)
        return message

    async def delete(self, message: Message) -> None:
        message.deleted = True
        events.message_delete(self.emulator, message)
        self.emulator.changed()
        await asyncio.sleep(0)

    async def react(self, user: User | Member, message: Message, emoji: str) -> None:
        """``user`` adds a reaction (``"💪"`` or ``"name:id"``)."""
        who = self._author(user)
        users = message.reactions.setdefault(emoji, [])
        if who.id not in users:
            users.append(who.id)
            events.reaction(self.emulator, message, who, emoji, added=True)
            self.emulator.changed()
        await asyncio.sleep(0)

    async def type_in(self, user: User | Member, channel: Channel) -> None:
        events.typing_start(self.emulator, channel, self._author(user))
        await asyncio.sleep(0)

    def _register(self, record: InteractionRecord) -> InteractionRecord:
        world = self.state
        world.interactions[record.id] = record
        world.interaction_tokens[record.token] = record
        events.interaction_create(self.emulator, record)
        self.emulator.changed()
        return record

    async def slash(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """``user`` runs a synced slash command, e.g. ``"legday top"`` with
        ``{"period": "week"}``. Sub-command groups are walked by name; user/channel/role
        options accept state objects or ids. Raises :class:`CommandError` if not synced."""
        who = self._author(user)
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        _cmd, data = build_command_data(
            self.emulator,
            who,
            channel,
            command,
            dict(options or {}),
            check_permissions=check_permissions,
        )
        record = InteractionRecord(
            self.emulator,
            type=APPLICATION_COMMAND,
            user=who,
            channel=channel,
            data=data,
            name=command.strip().lstrip("/"),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    async def autocomplete(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        option: str,
        value: str,
        *,
        options: Mapping[str, Any] | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Type ``value`` into ``option`` of ``command``; returns the bot's choices."""
        record = await self.autocomplete_interaction(
            user, channel, command, option, value, options=options
        )
        return await record.wait_choices(timeout)

    async def autocomplete_interaction(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        option: str,
        value: str,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        who = self._author(user)
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        _cmd, data = build_command_data(
            self.emulator,
            who,
            channel,
            command,
            dict(options or {}),
            focused=(option, value),
        )
        record = InteractionRecord(
            self.emulator,
            type=APPLICATION_COMMAND_AUTOCOMPLETE,
            user=who,
            channel=channel,
            data=data,
            name=command.strip().lstrip("/"),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    def _component(
        self, message: Message, custom_id: str, types: tuple[int, ...]
    ) -> dict[str, Any]:
        if message.deleted:
            raise ScenarioError(f"{message!r} was deleted")
        component = message.find_component(custom_id)
        if component is None:
            raise ScenarioError(
                f"{message!r} has no component {custom_id!r} (has: {message.custom_ids()})"
            )
        if component.get("type") not in types:
            raise ScenarioError(f"component {custom_id!r} has type {component.get('type')}")
        if component.get("disabled"):
            raise ScenarioError(f"component {custom_id!r} is disabled")
        return component

    async def _component_interaction(
        self, user: User | Member, message: Message, data: dict[str, Any]
    ) -> InteractionRecord:
        who = self._author(user)
        channel = self.state.channels.get(message.channel_id)
        if channel is None:
            raise ScenarioError(f"channel of {message!r} is unknown")
        if message.ephemeral and not any(
            r.user is who and (r.response_message is message or message in r.followups)
            for r in self.emulator.all_interactions()
        ):
            raise ScenarioError(f"{who!r} cannot see ephemeral {message!r}")
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        record = InteractionRecord(
            self.emulator,
            type=MESSAGE_COMPONENT,
            user=who,
            channel=channel,
            data=data,
            message=message,
            name=str(data.get("custom_id")),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    async def click(
        self, user: User | Member, message: Message, custom_id: str
    ) -> InteractionRecord:
        """``user`` clicks the button ``custom_id`` on ``message``."""
        self._component(message, custom_id, (2,))
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._component_interaction(user, message, data)

    async def select(
        self, user: User | Member, message: Message, custom_id: str, values: list[str]
    ) -> InteractionRecord:
        """``user`` picks ``values`` in the string select ``custom_id`` on ``message``."""
        component = self._component(message, custom_id, (3,))
        known = [o.get("value") for o in component.get("options") or []]
        for value in values:
            if value not in known:
                raise ScenarioError(f"select {custom_id!r} has no option {value!r} (has {known})")
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(user, message, data)

    async def submit_modal(
        self,
        user: User | Member,
        interaction: InteractionRecord,
        values: Mapping[str, str | list[str]],
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot answered ``interaction`` with (callback 9).

        ``values`` maps text input custom_ids to text (select custom_ids to value lists).
        """
        who = self._author(user)
        modal = interaction.modal
        if modal is None:
            raise ScenarioError(f"{interaction!r} was not answered with a modal")
        if who is not interaction.user:
            raise ScenarioError(f"the modal was shown to {interaction.user!r}, not {who!r}")
        try:
            components = modal_submission(list(modal.get("components") or []), dict(values))
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        record = InteractionRecord(
            self.emulator,
            type=MODAL_SUBMIT,
            user=who,
            channel=interaction.channel,
            data={"custom_id": modal.get("custom_id"), "components": components},
            message=interaction.message,
            name=str(modal.get("custom_id")),
        )
        record.triggered_by = interaction
        self._register(record)
        await asyncio.sleep(0)
        return record

    def interactions(self) -> list[InteractionRecord]:
        return self.emulator.all_interactions()

    # -- observation -------------------------------------------------------------------------

    def messages(self, channel: Channel, *, include_ephemeral: bool = False) -> list[Message]:
        """Messages in ``channel``, oldest first (deleted ones excluded)."""
        msgs = self.state.channel_messages.get(channel.id, [])
        return [m for m in msgs if not m.deleted and (include_ephemeral or not m.ephemeral)]

    def _matches(
        self, msg: Message, author: Any, predicate: Callable[[Message], bool] | None
    ) -> bool:
        if msg.id in self._consumed or msg.deleted:
            return False
        if author is BOT:
            if msg.author.id != self.bot_user.id:
                return False
        elif author is not None and msg.author.id != self._author(author).id:
            return False
        return predicate is None or predicate(msg)

    async def next_message(
        self,
        channel: Channel,
        *,
        timeout: float = 5.0,
        author: Any = BOT,
        predicate: Callable[[Message], bool] | None = None,
        include_ephemeral: bool = False,
    ) -> Message:
        """Wait for the oldest message in ``channel`` not yet returned by ``next_message``.

        By default only the bot's messages count (``author=None`` for anyone's, or pass a
        user). Messages posted with :meth:`say` are never returned.
        """

        def find() -> Message | None:
            for msg in self.messages(channel, include_ephemeral=include_ephemeral):
                if self._matches(msg, author, predicate):
                    return msg
            return None

        msg = await self.emulator.notifier.wait_for(find, timeout, f"a message in {channel!r}")
        self._consumed.add(msg.id)
        return msg

    async def no_message(self, channel: Channel, *, within: float = 0.3, author: Any = BOT) -> None:
        """Assert that no new message arrives in ``channel`` for ``within`` seconds."""
        try:
            msg = await self.next_message(channel, timeout=within, author=author)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message in {channel!r}: {msg!r}")

    def observe_messages(self, observer: Callable[[Message], None]) -> Callable[[], None]:
        """Call ``observer(message)`` for every message the moment it is stored (the bot's
        and users'); returns a function that stops it. For timing replies without polling."""
        observers = self.state.message_observers
        observers.append(observer)

        def stop() -> None:
            if observer in observers:
                observers.remove(observer)

        return stop

    def requests_to(self, route: str) -> list[RequestRecord]:
        """Logged requests whose ``"METHOD /template"`` key or concrete path matches ``route``."""
        from fakediscord.faults import route_matches

        return [r for r in self.requests if route_matches(route, r.method, r.route, r.path)]

    def served_429s(self, route: str = "*", *, scope: str | None = None) -> list[Served429]:
        """The 429s the emulator answered with (limits exceeded and injected ones), oldest
        first; ``route`` is a pattern as for :meth:`requests_to`, ``scope`` user/global/shared.
        """
        from fakediscord.faults import route_matches

        return [
            s
            for s in self.emulator.rate_limit_log.served
            if route_matches(route, s.method, s.route, s.path) and scope in (None, s.scope)
        ]

    @property
    def invalid_request_count(self) -> int:
        """401/403/429 answers (shared-scope 429s excepted) in the last 10 minutes; Discord
        bans an IP at Cloudflare at 10,000."""
        return self.emulator.rate_limit_log.invalid_requests()

    def violations_of(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"fakediscord recorded violations:\n{lines}")

    def clear_violations(self) -> None:
        self.violations.clear()

    async def wait_violation(self, kind: str, *, timeout: float = 5.0) -> Violation:
        return await self.emulator.notifier.wait_for(
            lambda: next((v for v in self.violations if v.kind == kind), None),
            timeout,
            f"a {kind!r} violation",
        )

    # -- gateway observation -----------------------------------------------------------------

    @property
    def gateway_frames(self) -> list[GatewayFrame]:
        return list(self.emulator.hub.frames)

    def received_ops(self) -> list[int]:
        """Opcodes the bot sent over the gateway, in order (heartbeats included)."""
        return [f.op for f in self.emulator.hub.frames if f.direction == "in" and f.op is not None]

    def dispatched(self, event: str | None = None) -> list[GatewayFrame]:
        return [
            f
            for f in self.emulator.hub.frames
            if f.direction == "out" and f.op == 0 and (event is None or f.t == event)
        ]

    @property
    def identify_count(self) -> int:
        return self.emulator.hub.identify_count

    @property
    def resume_count(self) -> int:
        return self.emulator.hub.resume_count

    async def wait_for_op(self, op: int, *, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until the bot has sent gateway opcode ``op`` at least ``count`` times."""
        await self.emulator.notifier.wait_for(
            lambda: self.received_ops().count(op) >= count,
            timeout,
            f"gateway op {op} x{count} from the bot",
        )

    async def wait_ready(self, timeout: float = 10.0, *, count: int = 1) -> None:
        """Wait until the bot identified and got READY + every GUILD_CREATE (``count`` times
        in total, to wait for a re-identify), and is still connected."""
        hub = self.emulator.hub
        await self.emulator.notifier.wait_for(
            lambda: hub.ready_count >= count and bool(hub.connected_sessions()),
            timeout,
            "the bot to identify",
        )

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until a session is attached to a live connection (after IDENTIFY or RESUME)."""
        hub = self.emulator.hub
        await self.emulator.notifier.wait_for(
            lambda: bool(hub.connected_sessions()), timeout, "a live gateway session"
        )

    # -- faults ------------------------------------------------------------------------------

    def rate_limit(
        self,
        route: str = "*",
        *,
        count: int = 1,
        retry_after: float = 0.2,
        scope: str = "user",
        is_global: bool = False,
    ) -> RateLimitFault:
        """Answer the next ``count`` requests matching ``route`` with 429.

        ``route`` is ``"METHOD /template"`` as discord.py writes it
        (``"POST /channels/{channel_id}/messages"``), a concrete path, a glob, or ``"*"``.
        """
        fault = RateLimitFault(
            pattern=route,
            remaining=count,
            retry_after=retry_after,
            is_global=is_global,
            scope="global" if is_global else scope,
        )
        self.emulator.faults.rate_limits.append(fault)
        return fault

    def global_rate_limit_once(
        self, *, retry_after: float = 0.2, route: str = "*", count: int = 1
    ) -> RateLimitFault:
        """Answer the next matching request with a *global* 429."""
        return self.rate_limit(route, count=count, retry_after=retry_after, is_global=True)

    def set_global_rate_limit(self, per_second: int | None) -> None:
        """Change (or with ``None`` disable) the enforced global limit."""
        self.emulator.global_limiter.per_second = per_second

    def set_route_limit(self, route: str, limit: RouteLimit | tuple[int, float] | None) -> None:
        """Replace the limit of ``"METHOD /template"`` (``None``: no limit on that route)."""
        self.emulator.route_limits.override(route, limit)

    def delay(self, route: str, seconds: float, *, count: int | None = None) -> DelayFault:
        """Delay responses on ``route`` by ``seconds`` (the next ``count`` ones, or all)."""
        fault = DelayFault(pattern=route, seconds=seconds, remaining=count)
        self.emulator.faults.delays.append(fault)
        return fault

    def fail(
        self,
        route: str,
        status: int = 500,
        *,
        code: int = 0,
        message: str = "Injected failure",
        count: int = 1,
    ) -> StatusFault:
        """Answer the next ``count`` matching requests with ``status`` (e.g. 500, 502)."""
        fault = StatusFault(
            pattern=route, status=status, remaining=count, code=code, message=message
        )
        self.emulator.faults.statuses.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.emulator.faults.clear()

    def invalidate_token(self, token: str) -> None:
        """Reject ``token``: REST 401, gateway close 4004."""
        self.emulator.invalid_tokens.add(token)

    async def drop_connection(self, code: int | None = None) -> int:
        """Drop the bot's gateway connection(s): without a close frame (client sees 1006) by
        default, or with close ``code``. The session stays resumable; events dispatched
        meanwhile are replayed on RESUME. Returns the number of connections dropped."""
        count = self.emulator.hub.drop(code)
        await asyncio.sleep(0)
        return count

    async def send_reconnect(self) -> int:
        """Send op 7 RECONNECT; the client should reconnect and RESUME."""
        count = self.emulator.hub.send_op(OP_RECONNECT, None)
        await asyncio.sleep(0)
        return count

    async def stop_answering(self) -> int:
        """Turn the bot's gateway connection(s) into zombies: the TCP connection stays open,
        but no heartbeat ACK and no event reaches the bot any more (events wait for its
        RESUME). Returns the number of connections affected."""
        count = self.emulator.hub.zombify()
        await asyncio.sleep(0)
        return count

    @property
    def gateway_closes(self) -> list[GatewayClose]:
        """How each gateway connection ended so far, oldest first."""
        return list(self.emulator.hub.closes)

    async def send_invalid_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION (``d=resumable``); with False the session is gone and
        the client must IDENTIFY again."""
        count = self.emulator.hub.invalidate(resumable)
        await asyncio.sleep(0)
        return count


__all__ = ["BOT", "CommandError", "FakeDiscord", "ScenarioError"]
