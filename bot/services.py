"""What buttons need from the bot, named without importing the bot (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.quotebook import QuoteBook
from bot.settings import Settings
from bot.store import Store


class Services(Protocol):
    settings: Settings
    store: Store
    quotes: QuoteBook
    now: Callable[[], datetime]
