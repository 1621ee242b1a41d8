"""Network trouble discord.py recovers from is one log line; a bug keeps its traceback."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.logs import FORMAT, RECONNECT_MESSAGE, OneLineNetworkErrors


def emit(logger_name: str, error: BaseException, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(OneLineNetworkErrors())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        try:
            raise error
        except BaseException:
            logger.error(message, *args, exc_info=sys.exc_info())
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


@pytest.fixture(autouse=True)
def _no_propagation(monkeypatch):
    # Keep the records to the handler under test.
    monkeypatch.setattr(logging.getLogger("discord"), "propagate", False)
    monkeypatch.setattr(logging.getLogger("bot.example"), "propagate", False)


def test_a_reconnect_after_a_network_error_is_one_warning_line():
    refused = ConnectionRefusedError(111, "Connect call failed ('162.159.135.232', 443)")
    out = emit("discord.client", refused, RECONNECT_MESSAGE, 3.14159)
    assert out.count("\n") == 1
    assert out.rstrip().endswith(
        " WARNING discord.client: connection to Discord failed (connection refused); "
        "trying again in 3.1 s"
    )
    assert "Traceback" not in out


def test_another_network_error_from_discord_keeps_its_message_on_one_line():
    out = emit("discord.client", TimeoutError(), "Ignoring exception in %s", "on_message")
    assert out.count("\n") == 1
    assert " ERROR   discord.client: Ignoring exception in on_message (timed out)" in out


def test_a_bug_in_discord_code_keeps_its_traceback():
    out = emit("discord.client", KeyError("oops"), "Ignoring exception in %s", "on_message")
    assert "Traceback" in out
    assert "KeyError: 'oops'" in out


def test_our_own_errors_keep_their_traceback():
    out = emit("bot.example", ConnectionResetError(104, "reset"), "posting failed")
    assert "Traceback" in out
