"""Logging set-up: one line per event, no traceback for network trouble Discord recovers from."""

from __future__ import annotations

import logging
import sys

import discord

from bot.failures import NETWORK_ERRORS, network_reason

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# discord.py's Client.connect logs this with the exception's traceback before each retry.
RECONNECT_MESSAGE = "Attempting a reconnect in %.2fs"


class OneLineNetworkErrors(logging.Filter):
    """A network failure logged by discord.py becomes one line with its reason.

    A dropped connection or an outage is expected and retried; a traceback per attempt
    buries the log. Other exceptions (bugs) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or not record.name.startswith("discord"):
            return True
        error = record.exc_info[1]
        if not isinstance(error, NETWORK_ERRORS):
            return True
        reason = network_reason(error)
        if record.msg == RECONNECT_MESSAGE and isinstance(record.args, tuple):
            record.msg = "connection to Discord failed (%s); trying again in %.1f s"
            record.args = (reason, *record.args)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        else:
            record.msg, record.args = "%s (%s)", (record.getMessage(), reason)
        record.exc_info = None
        record.exc_text = None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(OneLineNetworkErrors())
    logging.basicConfig(level=level, handlers=[handler])
    # discord.py's gateway chatter and Alembic's plugin list are noise at INFO.
    quiet = max(logging.getLevelName(level), logging.WARNING)
    for name in ("discord.gateway", "alembic"):
        logging.getLogger(name).setLevel(quiet)
    # A text-only bot: "PyNaCl/davey is not installed, voice will NOT be supported" at
    # every start reads like a problem to an admin, and is none.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
