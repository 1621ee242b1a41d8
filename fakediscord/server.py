"""Serving the emulator over HTTP/websocket on a local port."""

from __future__ import annotations

import logging

from aiohttp import web

from fakediscord.emulator import Emulator
from fakediscord.rest import build_app
from fakediscord.routes import ALL_TABLES

log = logging.getLogger("fakediscord")


class EmulatorServer:
    """Runs the aiohttp application for an :class:`Emulator` (``port=0`` picks a free port)."""

    def __init__(self, emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emu = emu
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = build_app(self.emu, ALL_TABLES)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break
        self.emu.base_url = f"http://{self.host}:{self.port}"
        log.info("fakediscord listening on %s", self.emu.base_url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.emu.hub.close_all()
        await runner.cleanup()
