"""Background tasks a component owns: stopping one is cancelling it and waiting."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel the task (if any) and wait until it has finished; its cancellation is the
    expected end, not an error."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
