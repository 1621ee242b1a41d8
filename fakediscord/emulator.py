"""The emulator core: state, clock, logs and violations shared by REST, gateway and scenario."""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fakediscord.checks import Violation
from fakediscord.clock import Clock
from fakediscord.faults import Faults
from fakediscord.gateway import GatewayHub
from fakediscord.interactions import InteractionRecord
from fakediscord.limiter import Buckets, GlobalLimiter, RateLimitLog
from fakediscord.notifier import Notifier
from fakediscord.rate_limits import RouteLimit, RouteLimits
from fakediscord.sharding import MAX_GUILDS_PER_SHARD
from fakediscord.snowflakes import SnowflakeFactory
from fakediscord.state import Application, User
from fakediscord.world import World

log = logging.getLogger("fakediscord")

T = TypeVar("T")


@dataclass
class RequestRecord:
    """One REST request the bot made, as the emulator saw it."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    time: float
    files: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    response: Any = None

    @property
    def key(self) -> str:
        """``"METHOD /route/{template}"``, e.g. ``"POST /channels/{channel_id}/messages"``."""
        return f"{self.method} {self.route}"

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path} -> {self.status}>"


class Emulator:
    def __init__(
        self,
        *,
        heartbeat_interval_ms: int = 41250,
        global_rate_limit: int | None = 50,
        route_rate_limit: tuple[int, float] | None = None,
        route_limits: Mapping[str, RouteLimit | tuple[int, float] | None] | None = None,
        bot_name: str = "legday",
        compression: bool = True,
        interaction_deadline: float = 3.0,
        token_lifetime: float = 15 * 60,
        nonce_dedupe: bool = True,
        bot_token: str | None = None,
        strict_mentions: bool = False,
        shards: int = 1,
        max_concurrency: int = 1,
        identify_window: float | None = None,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
    ) -> None:
        self.clock = Clock()
        self.ids = SnowflakeFactory(self.clock)
        self.world = World(self.clock, self.ids)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compression = compression
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = token_lifetime
        # Record an `unintended_ping` for every bot message that would ping someone it should
        # not (`checks.unintended_pings`); off by default, as Discord itself never complains.
        self.strict_mentions = strict_mentions
        self.nonce_window = 5 * 60.0
        # Discord answers a repeated nonce with `enforce_nonce` by the message it already
        # made; off, every post makes a message (what happens after the window closes).
        self.nonce_dedupe = nonce_dedupe
        self.bot: User = self.world.add_user(bot_name, bot=True)
        self.world.bot = self.bot
        self.owner: User = self.world.add_user(f"{bot_name}-owner")
        self.application = Application(
            id=self.bot.id, name=bot_name, owner=self.owner, bot=self.bot
        )
        encoded = base64.b64encode(str(self.bot.id).encode()).decode().rstrip("=")
        # Any token is accepted (see `token_valid`); a test may choose one it can search
        # the bot's output for.
        self.bot_token = bot_token or f"{encoded}.fake.{secrets.token_urlsafe(24)}"
        self.invalid_tokens: set[str] = set()
        self.faults = Faults()
        # Checks a request body's types as Discord does (raises ApiError 50035); None: off.
        self.check_body: Callable[[str, str, Any, int], None] | None = None
        self.global_limiter = GlobalLimiter(global_rate_limit)
        self.route_limits = RouteLimits(uniform=route_rate_limit, overrides=route_limits)
        self.buckets = Buckets()
        self.rate_limit_log = RateLimitLog()
        self.requests: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.notifier = Notifier()
        self.base_url = ""
        self.hub = GatewayHub(self)
        if shards < 1 or max_concurrency < 1 or max_guilds_per_shard < 1:
            raise ValueError("shards, max_concurrency and max_guilds_per_shard are at least 1")
        if identify_window is not None and identify_window < 0:
            raise ValueError("identify_window is a number of seconds (or None: not enforced)")
        self.hub.recommended_shards = shards
        self.hub.max_concurrency = max_concurrency
        self.hub.identify_window = identify_window
        self.hub.max_guilds_per_shard = max_guilds_per_shard

    # -- urls --------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/"

    @property
    def resume_gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/resume"

    # -- helpers -----------------------------------------------------------------------------

    def token_valid(self, token: str | None) -> bool:
        if not token:
            return False
        if token.startswith("Bot "):
            token = token[4:]
        return token not in self.invalid_tokens

    def record_violation(
        self, kind: str, detail: str, route: str, status: int | None = None
    ) -> Violation:
        violation = Violation(
            kind=kind, detail=detail, route=route, when=self.clock.now(), status=status
        )
        self.violations.append(violation)
        log.warning("fakediscord violation: %s", violation)
        self.notifier.notify()
        return violation

    # -- interactions (kept in the world, typed here, where InteractionRecord is known) ----

    def interaction(self, interaction_id: int) -> InteractionRecord | None:
        record = self.world.interactions.get(interaction_id)
        return record if isinstance(record, InteractionRecord) else None

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        record = self.world.interaction_tokens.get(token)
        return record if isinstance(record, InteractionRecord) else None

    def all_interactions(self) -> list[InteractionRecord]:
        return [r for r in self.world.interactions.values() if isinstance(r, InteractionRecord)]

    def changed(self) -> None:
        self.notifier.notify()
