"""A shutdown waits for work under way, not for timers that only expire buttons."""

from __future__ import annotations

import asyncio
import time

import discord

from bot import runner


async def test_a_buttons_expiry_timer_does_not_hold_up_a_shutdown():
    view = discord.ui.View(timeout=15 * 60)
    view._start_listening_from_store(discord.ui.view.ViewStore(None))  # as a sent view
    work_done = asyncio.Event()

    async def command_under_way() -> None:
        await asyncio.sleep(0.2)
        work_done.set()

    command = asyncio.create_task(command_under_way())
    started = time.monotonic()

    await runner._finish_tasks()

    assert work_done.is_set() and command.done()  # the work was waited for
    # The 15-minute timer was cancelled, not waited on for the whole grace.
    assert time.monotonic() - started < runner.HANDLER_GRACE
    timers = [t for t in asyncio.all_tasks() if runner._is_view_timer(t)]
    assert timers == []
