"""The bot's HTTP endpoint (LEGDAY_HTTP_PORT): `/healthz` and `/metrics`.

Off unless the port is set. `/healthz` answers 200 when the gateway session is ready, the
reminder timers are firing and the database answers a trivial query in time, else 503;
its JSON says which part is wrong. `/metrics` is `bot.metrics` in Prometheus' format.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

from aiohttp import web

from bot.config import Config, ConfigError
from bot.failures import os_reason
from bot.metrics import CONTENT_TYPE, BotMetrics, MeteredBot, gateway_open, latencies

log = logging.getLogger(__name__)

# A database slower than this to answer `SELECT 1` counts as unreachable.
DATABASE_TIMEOUT = 2.0


class HttpEndpoint:
    """An aiohttp server for one bot, started and stopped with it."""

    def __init__(
        self,
        bot: MeteredBot,
        metrics: BotMetrics,
        *,
        host: str,
        port: int,
        database_timeout: float = DATABASE_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.metrics = metrics
        self.host = host
        self.port = port
        self.database_timeout = database_timeout
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        return app

    async def start(self) -> None:
        """Listen; a port taken or not allowed is a ConfigError (one line, exit code 2)."""
        runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                f"cannot serve HTTP on {self.host}:{self.port} (LEGDAY_HTTP_PORT, "
                f"LEGDAY_HTTP_HOST): {os_reason(exc)}"
            ) from None
        self._runner = runner
        log.info("serving /healthz and /metrics on http://%s:%d", self.host, self.port)

    @property
    def bound_port(self) -> int:
        """The port listened on (the one the OS chose, for port 0 in tests)."""
        if self._runner is None:
            return self.port
        for address in self._runner.addresses:
            return int(address[1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the bot is healthy, and the report `/healthz` shows."""
        bot = self.bot
        connected = {str(shard): is_open for shard, is_open in gateway_open(bot).items()}
        # Ready: the session started (READY) and every shard's connection is open now.
        ready = bot.is_ready() and not bot.is_closed() and all(connected.values())
        shards = {
            str(shard): round(seconds * 1000, 1) if math.isfinite(seconds) else None
            for shard, seconds in latencies(bot)
        }
        scheduler = bot.reminders.running
        database = await self._database()
        healthy = ready and scheduler and database["reachable"]
        report = {
            "healthy": healthy,
            "ready": ready,
            "gateway_connected": connected,
            "gateway_latency_ms": shards,
            "scheduler_running": scheduler,
            "database": database,
            # Waiting for another process to let go of its shards (not connected yet).
            "standing_by": bot.standing_by,
        }
        return healthy, report

    async def _database(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.bot.store.ping(), self.database_timeout)
        except TimeoutError:
            problem = f"no answer within {self.database_timeout:g} s"
        except Exception as exc:  # any failure means "not reachable"; the kind says why
            log.debug("health check: the database failed", exc_info=exc)
            problem = f"the query failed ({type(exc).__name__})"
        else:
            took = (time.perf_counter() - started) * 1000
            return {"reachable": True, "latency_ms": round(took, 2)}
        return {"reachable": False, "problem": problem}

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, report = await self.health()
        return web.json_response(report, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response


async def start_endpoint(
    bot: MeteredBot, metrics: BotMetrics | None, settings: Config
) -> HttpEndpoint | None:
    """The bot's endpoint, listening; None when LEGDAY_HTTP_PORT is not set."""
    if settings.http_port is None or metrics is None:
        return None
    endpoint = HttpEndpoint(bot, metrics, host=settings.http_host, port=settings.http_port)
    await endpoint.start()
    return endpoint
