"""Knowing when the bot is done: it talks to Discord only through REST requests.

A message the bot ignores gets no request at all, so instead of waiting a fixed time
for an answer that never comes, the sandbox waits until no request is in flight and
none has started for a short quiet spell. Measured on the seeded demo server (25 runs of
nine commands): the bot's first request after a `!legday` command comes after a median
of 2–10 ms and at most 91 ms on a busy machine, so a 0.3 s quiet spell is three times
the slowest; a `!legday …` line also waits for that first request, and anything later
is still printed when it arrives.
"""

from __future__ import annotations

import asyncio

from fakediscord import FakeDiscord

POLL = 0.02


class BotActivity:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self._finished = 0  # every request before this index has been answered

    def mark(self) -> int:
        """A point in time to compare with: the number of requests so far."""
        return len(self.fd.requests)

    def since(self, mark: int) -> bool:
        """Did the bot make any request after `mark`?"""
        return len(self.fd.requests) > mark

    def in_flight(self) -> bool:
        requests = self.fd.requests
        while self._finished < len(requests) and requests[self._finished].status is not None:
            self._finished += 1
        return any(request.status is None for request in requests[self._finished :])

    async def started(self, mark: int, limit: float) -> bool:
        """Wait (up to `limit` seconds) for the bot's first request after `mark`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not self.since(mark):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(POLL)
        return True

    async def quiet(self, spell: float, limit: float) -> None:
        """Wait until nothing is in flight and nothing new started for `spell` seconds."""
        loop = asyncio.get_running_loop()
        start = last = loop.time()
        seen = self.mark()
        while loop.time() - start < limit:
            await asyncio.sleep(POLL)
            now = loop.time()
            if self.mark() != seen or self.in_flight():
                seen, last = self.mark(), now
            elif now - last >= spell:
                return
