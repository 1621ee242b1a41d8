"""The reminder delivery engine: occurrences, claim -> send -> record, catch-up."""

from bot.reminders.engine import ReminderEngine
from bot.reminders.poster import Poster, PostFailed

__all__ = ["PostFailed", "Poster", "ReminderEngine"]
