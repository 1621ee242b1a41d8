"""Which milestone roles to give and take for a streak and the ledger of what the bot gave."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InputError
from bot.core.milestones import (
    HELD,
    MAX_WEEKS,
    ROLE_GONE,
    ROLE_TOO_HIGH,
    Milestone,
    RoleChange,
    RoleState,
    check_weeks,
    earned,
    plan,
    problem_text,
)

IRON, STEEL, TITAN = 101, 102, 103


def test_reaching_a_milestone_gives_its_role():
    milestones = [Milestone(4, IRON), Milestone(8, STEEL)]
    assert plan(4, milestones, {}) == [RoleChange(IRON, True, 4)]
    assert plan(9, milestones, {}) == [RoleChange(IRON, True, 4), RoleChange(STEEL, True, 8)]
    assert plan(3, milestones, {}) == []


def test_a_role_held_is_not_given_again():
    milestones = [Milestone(4, IRON)]
    for state in (RoleState.GRANTING, RoleState.GRANTED, RoleState.STUCK):
        assert plan(5, milestones, {IRON: state}) == []


def test_a_failed_or_removed_role_is_given_again_with_the_next_change():
    milestones = [Milestone(4, IRON)]
    for state in (RoleState.FAILED, RoleState.REMOVED, RoleState.REMOVING):
        assert plan(4, milestones, {IRON: state}) == [RoleChange(IRON, True, 4)]


def test_a_break_takes_away_only_roles_marked_remove_and_given_by_the_bot():
    milestones = [Milestone(4, IRON, remove_on_break=True), Milestone(8, STEEL)]
    held = {IRON: RoleState.GRANTED, STEEL: RoleState.GRANTED}
    assert plan(0, milestones, held) == [RoleChange(IRON, False, 4)]
    # The bot never gave it (no ledger row, or a grant that failed): never taken away.
    assert plan(0, milestones, {}) == []
    assert plan(0, milestones, {IRON: RoleState.FAILED}) == []
    assert plan(0, milestones, {IRON: RoleState.REMOVED}) == []


def test_a_milestone_with_a_problem_is_left_alone():
    milestones = [Milestone(1, IRON, True, problem=ROLE_TOO_HIGH)]
    assert plan(5, milestones, {}) == []
    assert plan(0, milestones, {IRON: RoleState.GRANTED}) == []


def test_weeks_are_checked_in_the_bots_words():
    assert check_weeks(1) == 1 and check_weeks(MAX_WEEKS) == MAX_WEEKS
    for weeks in (0, -3, MAX_WEEKS + 1):
        with pytest.raises(InputError) as raised:
            check_weeks(weeks)
        assert "1 to 520 weeks" in raised.value.user_message()


def test_the_admins_are_told_what_to_fix():
    assert "move my role above it" in problem_text(4, IRON, ROLE_TOO_HIGH)
    assert "another role" in problem_text(4, IRON, ROLE_GONE)
    assert f"<@&{IRON}>" in problem_text(4, IRON, ROLE_GONE)


# --- properties ---------------------------------------------------------------------------

STATES = st.sampled_from(list(RoleState))


@st.composite
def servers(draw: st.DrawFn) -> tuple[list[Milestone], dict[int, RoleState]]:
    weeks = draw(st.lists(st.integers(1, 20), unique=True, max_size=6))
    milestones = [
        Milestone(
            w,
            1000 + index,
            draw(st.booleans()),
            draw(st.sampled_from([None, None, ROLE_TOO_HIGH])),
        )
        for index, w in enumerate(weeks)
    ]
    roles = [m.role_id for m in milestones] + [999]  # 999: a role that is no milestone
    ledger = draw(st.dictionaries(st.sampled_from(roles), STATES))
    return milestones, ledger


def _after(ledger: dict[int, RoleState], changes: list[RoleChange]) -> dict[int, RoleState]:
    done = dict(ledger)
    for change in changes:
        done[change.role_id] = RoleState.GRANTED if change.grant else RoleState.REMOVED
    return done


@given(servers(), st.integers(0, 25))
def test_after_the_plan_the_member_holds_exactly_what_the_streak_calls_for(server, streak):
    milestones, ledger = server
    changes = plan(streak, milestones, ledger)
    after = _after(ledger, changes)
    for m in milestones:
        before_held = ledger.get(m.role_id) in HELD
        now_held = after.get(m.role_id) in HELD
        if m.problem is not None:
            assert now_held == before_held  # left alone
        elif streak >= m.weeks:
            assert now_held
        elif m.remove_on_break:
            assert not now_held
        else:
            assert now_held == before_held  # kept after a break, never given
    assert after.get(999) == ledger.get(999)  # a role that is no milestone: untouched


@given(servers(), st.integers(0, 25))
def test_the_plan_takes_away_only_what_the_bot_gave_and_is_idempotent(server, streak):
    milestones, ledger = server
    changes = plan(streak, milestones, ledger)
    for change in changes:
        if not change.grant:
            assert ledger.get(change.role_id) in HELD
        else:
            assert ledger.get(change.role_id) not in HELD
    assert len({c.role_id for c in changes}) == len(changes)
    assert plan(streak, milestones, _after(ledger, changes)) == []
    assert earned(changes) == [c for c in changes if c.grant]
    assert [c.weeks for c in changes] == sorted(c.weeks for c in changes)
