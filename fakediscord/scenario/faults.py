"""Making Discord misbehave, as it sometimes does."""

from __future__ import annotations

import asyncio

from fakediscord.faults import DelayFault, RateLimitFault, StatusFault
from fakediscord.gateway import (
    OP_RECONNECT,
    GatewayClose,
)
from fakediscord.rate_limits import RouteLimit
from fakediscord.scenario.actions import MemberActions


class FaultInjection(MemberActions):
    """Discord misbehaving on purpose: 429s, errors, delays, dropped or silent gateways."""

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
