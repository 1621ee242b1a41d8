"""REST route tables, one module per area of the API."""

from __future__ import annotations

from fakediscord.rest import RouteTable
from fakediscord.routes import channels, commands, guilds, interactions, meta

ALL_TABLES: list[RouteTable] = [
    meta.table,
    commands.table,
    guilds.table,
    channels.table,
    interactions.table,
]
