"""Reliability and security tests (issue 12): the real bot process against the local
Discord, pushed where production breaks: kills, disconnects, 429 storms, hostile input.

Each test runs a short variant by default (in `.ci/run`); `pytest --long` runs the long
variants whose results are written down in `tests/reliability/RESULTS.md`.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    """True under `pytest --long`: run the long variant of a reliability test."""
    return bool(request.config.getoption("--long"))
