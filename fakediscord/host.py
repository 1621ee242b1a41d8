"""What the gateway and the interactions need from the emulator that hosts them.

They are built by the emulator and get it as their host; typing the host as this protocol
keeps the layers one-way (state -> payloads -> gateway and interactions -> emulator)
instead of each importing the emulator that imports them.
"""

from __future__ import annotations

from typing import Protocol

from fakediscord.clock import Clock
from fakediscord.notifier import Notifier
from fakediscord.snowflakes import SnowflakeFactory
from fakediscord.state import Application, User
from fakediscord.world import World


class Host(Protocol):
    clock: Clock
    ids: SnowflakeFactory
    world: World
    application: Application
    bot: User
    notifier: Notifier
    heartbeat_interval_ms: int
    compression: bool

    @property
    def resume_gateway_url(self) -> str: ...

    def token_valid(self, token: str | None) -> bool: ...

    def changed(self) -> None: ...
