"""The check-in paths benchmark's checks and its `--quick` run."""

from __future__ import annotations

import pytest

from benchmarks import checkin_paths
from benchmarks.measure import CheckFailed
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench


def test_every_case_of_this_checkout_is_measured():
    names = [case.name for case in checkin_paths.cases()]
    assert names[0] == checkin_paths.BASELINE
    assert len(names) == 6
    assert sum(case.milestones for case in checkin_paths.cases()) == 2
    assert not any(case.milestones for case in checkin_paths.cases(milestones=False))


async def test_a_run_stores_what_each_case_should(monkeypatch):
    monkeypatch.setattr(checkin_paths, "WARMUP", 1)
    measured = await checkin_paths.run(3)
    assert all(len(case.samples_us) == 3 for case in measured)
    assert all(len(case.members) == 4 for case in measured)


async def test_a_lifts_note_that_stores_no_sets_fails_the_check(monkeypatch):
    # A note the parser reads no lift from: the lifts case must then fail its check.
    monkeypatch.setattr(checkin_paths, "WARMUP", 0)
    monkeypatch.setattr(checkin_paths, "LIFTS_NOTE", "felt great again")
    with pytest.raises(CheckFailed, match="lift sets stored"):
        await checkin_paths.run(2)


def test_checkin_paths_quick_run_passes_its_checks():
    done = quick("benchmarks.checkin_paths")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed" in done.stdout
    for name in ("no note", "lifts note (3 exercises)", "lifts note, 3 milestones, 1 reached"):
        assert any(line.startswith(name) for line in done.stdout.splitlines()), done.stdout
