"""The per-member command allowance: the same rule as discord.py's, without its N² sweep."""

from __future__ import annotations

from bot.cooldowns import MemberCooldowns


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_member_gets_rate_commands_per_window():
    clock = Clock()
    limits = MemberCooldowns(2, 10.0, clock=clock)
    assert limits.spend("a")[1] is None
    assert limits.spend("a")[1] is None
    _, wait = limits.spend("a")
    assert wait is not None and 0 < wait <= 10.0
    assert limits.spend("b")[1] is None  # another member has their own allowance
    clock.now += 10.5
    assert limits.spend("a")[1] is None  # a new window


def test_idle_members_are_forgotten_once_a_window():
    clock = Clock()
    limits = MemberCooldowns(5, 10.0, clock=clock)
    for member in range(1000):
        limits.spend(member)
    assert len(limits) == 1000
    clock.now += 11
    limits.spend("late")
    assert len(limits) == 1  # everyone else was idle for a whole window


def test_a_member_over_the_limit_stays_limited_through_a_sweep():
    clock = Clock()
    limits = MemberCooldowns(1, 10.0, clock=clock)
    limits.spend("a")
    clock.now += 5
    limits.spend("b")
    clock.now += 5.5  # a sweep happens now; "a" has been idle 10.5 s, "b" only 5.5 s
    assert limits.spend("b")[1] is not None
    assert limits.spend("a")[1] is None
