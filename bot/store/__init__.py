"""The storage layer: every SQL statement of the project lives in this package.

Public methods take and return plain values and the dataclasses of `records`; each is
one transaction. The SQL is SQLAlchemy Core and stays portable between SQLite and
PostgreSQL (the one dialect-specific construct is `StoreBase._insert_ignoring_conflicts`).
"""

from bot.store.checkins import CheckinQueries
from bot.store.leaderboards import LeaderboardQueries
from bot.store.privacy import PrivacyQueries
from bot.store.quotes import QuoteQueries
from bot.store.records import (
    CheckinContext,
    CheckinResult,
    CountRow,
    Delivery,
    GuildConfig,
    MemberConfig,
    PeriodCounts,
    QuoteLimitReached,
    Schedule,
    StoredQuote,
    StreakRow,
)
from bot.store.reminders import ReminderQueries
from bot.store.settings import SettingsQueries


class Store(
    SettingsQueries,
    CheckinQueries,
    LeaderboardQueries,
    QuoteQueries,
    PrivacyQueries,
    ReminderQueries,
):
    """Async access to the bot's tables through one engine."""


__all__ = [
    "CheckinContext",
    "CheckinResult",
    "CountRow",
    "Delivery",
    "GuildConfig",
    "MemberConfig",
    "PeriodCounts",
    "QuoteLimitReached",
    "Schedule",
    "Store",
    "StoredQuote",
    "StreakRow",
]
