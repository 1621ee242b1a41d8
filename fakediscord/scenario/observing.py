"""Watching what the bot does, over REST and the gateway."""
# ruff: noqa: ASYNC109  -- a `timeout=` parameter is the deliberate, documented scenario API

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fakediscord.checks import Violation
from fakediscord.emulator import RequestRecord
from fakediscord.gateway import (
    GatewayFrame,
    GatewaySession,
    IdentifyRecord,
)
from fakediscord.limiter import InvalidRequest, RetryGap, Served429
from fakediscord.notifier import WAIT
from fakediscord.scenario.base import (
    BOT,
)
from fakediscord.scenario.building import WorldBuilding
from fakediscord.sharding import shard_of
from fakediscord.state import (
    Channel,
    Guild,
    Message,
)


class Observation(WorldBuilding):
    """What the bot did: messages, requests, 429s, violations, gateway frames."""

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
        timeout: float = WAIT,
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

    def retry_gaps(self, route: str = "*", *, scope: str | None = None) -> list[RetryGap]:
        """For every 429 answered on ``route`` (a pattern as for :meth:`served_429s`), when
        the bot came back: ``next_gap`` to the next request on that bucket (or, after a
        global 429, the next request counted globally), ``retry_gap`` to the same request
        sent again; ``early``/``retried_early`` when one came before ``retry_after``."""
        from fakediscord.faults import route_matches

        return [
            g
            for g in self.emulator.rate_limit_log.retry_gaps
            if route_matches(route, g.served.method, g.served.route, g.served.path)
            and scope in (None, g.served.scope)
        ]

    def invalid_requests_in(self, channel: Channel | int) -> list[InvalidRequest]:
        """The invalid requests (401/403/429, shared 429s excepted) on ``channel``'s routes
        (``/channels/{id}/...``), oldest first; ``channel`` is a Channel or an id."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        return self.emulator.rate_limit_log.invalid_in_channel(channel_id)

    def most_invalid_per_minute(self, channel: Channel | int, *, window: float = 60.0) -> int:
        """The most invalid requests on ``channel``'s routes within any ``window`` seconds of
        real time (the bot must stay at 10 or fewer a minute in a channel that fails)."""
        channel_id = channel.id if isinstance(channel, Channel) else channel
        return self.emulator.rate_limit_log.most_invalid_per_window(channel_id, window)

    def violations_of(self, kind: str) -> list[Violation]:
        return [v for v in self.violations if v.kind == kind]

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"fakediscord recorded violations:\n{lines}")

    def clear_violations(self) -> None:
        self.violations.clear()

    async def wait_violation(self, kind: str, *, timeout: float = WAIT) -> Violation:
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

    # -- shards ------------------------------------------------------------------------------

    @staticmethod
    def shard_of(guild: Guild | int | None, shard_count: int) -> int:
        """The shard Discord sends ``guild``'s events to (None: a DM, shard 0)."""
        guild_id = guild.id if isinstance(guild, Guild) else guild
        return shard_of(guild_id, shard_count)

    def gateway_sessions(self, *, connected: bool = False) -> list[GatewaySession]:
        """The live gateway sessions (each has ``shard``, ``session_id``, ``number``: the
        how-many-th IDENTIFY made it, ``connection``); ``connected``: only those that got
        READY and have a connection now."""
        hub = self.emulator.hub
        return hub.connected_sessions() if connected else hub.live_sessions()

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Every IDENTIFY answered so far (accepted, or refused with op 9 for coming too
        soon in its bucket), oldest first."""
        return list(self.emulator.hub.identifies)

    async def wait_shards(
        self,
        shard_ids: Iterable[int],
        shard_count: int,
        *,
        timeout: float = 10.0,
        since: int = 0,
    ) -> None:
        """Wait until each of ``shard_ids`` (of ``shard_count``) has a connected session
        that got READY from an IDENTIFY after the ``since``-th (pass
        :attr:`identify_count` as it was before starting a bot process, to wait for that
        process's sessions rather than an older one's)."""
        wanted = set(shard_ids)
        hub = self.emulator.hub

        def up() -> bool:
            have = {
                s.shard.id
                for s in hub.connected_sessions()
                if s.shard.count == shard_count and s.number > since
            }
            return wanted <= have

        await self.emulator.notifier.wait_for(
            up, timeout, f"shards {sorted(wanted)} of {shard_count} to identify"
        )

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until a session is attached to a live connection (after IDENTIFY or RESUME)."""
        hub = self.emulator.hub
        await self.emulator.notifier.wait_for(
            lambda: bool(hub.connected_sessions()), timeout, "a live gateway session"
        )
