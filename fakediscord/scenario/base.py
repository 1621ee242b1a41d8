"""The scenario API's shared ground: the emulator behind it and plain views of its state."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from fakediscord.checks import Violation
from fakediscord.clock import Clock
from fakediscord.emulator import Emulator, RequestRecord
from fakediscord.rate_limits import RouteLimit
from fakediscord.server import EmulatorServer
from fakediscord.sharding import MAX_GUILDS_PER_SHARD
from fakediscord.state import (
    Application,
    Guild,
    Member,
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


class ScenarioBase:
    """What every part of the scenario API shares: the emulator, its server, and the
    plain views of its state."""

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
        nonce_dedupe: bool = True,
        bot_token: str | None = None,
        strict_mentions: bool = False,
        shards: int = 1,
        max_concurrency: int = 1,
        identify_window: float | None = None,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
    ) -> None:
        """``bot_token``: the token :attr:`bot_token` hands out (default: a fresh random
        one shaped like Discord's). Every token not passed to ``invalidate_token`` is
        accepted either way; choosing it lets a test look for it in the bot's output.

        Sharding: ``shards`` and ``max_concurrency`` are what ``GET /gateway/bot``
        recommends and allows; ``identify_window`` (Discord: 5 s) enforces the identify
        limit, one IDENTIFY per bucket (``shard_id % max_concurrency``) per window, the
        next answered with op 9 (default None: not enforced); a session whose shard would
        hold more than ``max_guilds_per_shard`` servers is closed with 4011."""
        self.emulator = Emulator(
            heartbeat_interval_ms=heartbeat_interval_ms,
            global_rate_limit=global_rate_limit,
            route_rate_limit=route_rate_limit,
            route_limits=route_limits,
            bot_name=bot_name,
            compression=compression,
            interaction_deadline=interaction_deadline,
            token_lifetime=token_lifetime,
            nonce_dedupe=nonce_dedupe,
            bot_token=bot_token,
            strict_mentions=strict_mentions,
            shards=shards,
            max_concurrency=max_concurrency,
            identify_window=identify_window,
            max_guilds_per_shard=max_guilds_per_shard,
        )
        # Benchmarks turn it off: typing a message body costs the emulator a few ms.
        self.emulator.check_body = typed_body_check() if check_types else None
        self.server = EmulatorServer(self.emulator, host, port)
        self._consumed: set[int] = set()
        self._restore: Callable[[], None] | None = None

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

    @property
    def strict_mentions(self) -> bool:
        """When True, every bot message that would ping someone it should not is recorded
        as an ``unintended_ping`` violation (rule: ``checks.unintended_pings``): only a
        post of the bot's own (a reminder) may ping, and only whom its allowed_mentions
        names by id (or ``everyone`` via ``parse``). Settable at any time."""
        return self.emulator.strict_mentions

    @strict_mentions.setter
    def strict_mentions(self, value: bool) -> None:
        self.emulator.strict_mentions = value
