import random
import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.days import week_index
from bot.core.recap import (
    MESSAGE_LIMIT,
    NAMES_SHOWN,
    MemberWeek,
    RecapSummary,
    compose,
    summarize,
)
from bot.core.streaks import ShieldRule, WeekRecord, timeline

MONDAY = date(2026, 11, 30)
WEEK = week_index(MONDAY)


def record(
    count=0,
    *,
    met=None,
    streak=0,
    best_before=0,
    shield_used=False,
    paused=False,
    week=WEEK,
    record_broken=None,
):
    met = count > 0 if met is None else met
    if record_broken is None:  # a best from before is taken to be an earlier streak's
        record_broken = met and streak > best_before > 0
    return WeekRecord(
        week=week,
        count=count,
        paused=paused,
        met=met,
        shield_used=shield_used,
        shield_earned=False,
        broke=False,
        streak=streak,
        shields=0,
        best_before=best_before,
        record_broken=record_broken,
    )


def member(user_id, count=0, *, first_ever=False, hidden=False, **fields):
    return MemberWeek(user_id, record(count, **fields), first_ever, hidden)


def counts(*pairs, goal=None, top=3):
    return summarize(WEEK, [member(uid, n) for uid, n in pairs], goal=goal, top=top)


def text(messages):
    return "\n".join(messages)


# --- summarize -------------------------------------------------------------------------


def test_ties_share_a_position_and_use_up_the_ranks_after_it():
    got = counts((4, 5), (2, 5), (3, 3), (1, 2))
    assert got.leaders == [(5, [2, 4]), (3, [3])]


def test_a_three_way_tie_at_the_top_fills_all_three_positions():
    got = counts((1, 5), (2, 5), (3, 5), (4, 4))
    assert got.leaders == [(5, [1, 2, 3])]


def test_tie_on_the_last_position_keeps_everyone_tied():
    got = counts((1, 6), (2, 5), (3, 4), (4, 4), (5, 1))
    assert got.leaders == [(6, [1]), (5, [2]), (4, [3, 4])]


def test_top_bounds_the_positions():
    pairs = [(1, 7), (2, 6), (3, 6), (4, 5), (5, 4)]
    assert counts(*pairs, top=1).leaders == [(7, [1])]
    assert counts(*pairs, top=2).leaders == [(7, [1]), (6, [2, 3])]
    assert counts(*pairs, top=4).leaders == [(7, [1]), (6, [2, 3]), (5, [4])]
    assert counts(*pairs, top=9).leaders[-1] == (4, [5])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 7), st.booleans()),
        unique_by=lambda row: row[0],
        max_size=30,
    ),
    st.integers(1, 6),
)
def test_leaders_follow_competition_ranking(rows, top):
    members = [member(uid, n, hidden=hidden) for uid, n, hidden in rows]
    got = summarize(WEEK, members, goal=None, top=top).leaders
    visible = {uid: n for uid, n, hidden in rows if not hidden and n > 0}

    def rank(uid):
        return 1 + sum(1 for other in visible.values() if other > visible[uid])

    assert {uid for _, tied in got for uid in tied} == {u for u in visible if rank(u) <= top}
    assert [n for n, _ in got] == sorted({n for n, _ in got}, reverse=True)
    for n, tied in got:
        assert tied == sorted(tied) and all(visible[uid] == n for uid in tied)


def test_members_without_leg_days_never_lead():
    got = summarize(WEEK, [member(1, 0), MemberWeek(2, None, False, False)], goal=None)
    assert got.leaders == []
    assert got.total == 0


def test_hidden_members_count_in_the_total_but_are_never_named():
    hidden = member(9, 7, hidden=True, first_ever=True, met=True, streak=5, shield_used=True)
    kept_hidden = member(8, 3, hidden=True, met=True, streak=4, best_before=9)
    got = summarize(WEEK, [hidden, kept_hidden, member(1, 2), member(2, 1)], goal=None)
    assert got.total == 13
    # The hidden leader takes no position: the visible members rank 1 and 2.
    assert got.leaders == [(2, [1]), (1, [2])]
    assert got.new_bests == got.kept == got.shields_used == []
    assert got.newcomers == []
    assert "<@9>" not in text(compose(got, MONDAY))
    assert "<@8>" not in text(compose(got, MONDAY))


@pytest.mark.parametrize(
    ("goal", "total", "met"),
    [(None, 5, None), (5, 5, True), (4, 5, True), (6, 5, False), (1, 0, False)],
)
def test_goal_met_compares_the_total_with_the_goal(goal, total, met):
    members = [member(1, total)] if total else []
    got = summarize(WEEK, members, goal=goal)
    assert (got.goal, got.total, got.goal_met) == (goal, total, met)


def test_a_new_best_is_a_streak_past_an_earlier_streaks_best():
    members = [
        member(1, 2, met=True, streak=3, best_before=2),  # past an earlier best: new best
        member(2, 2, met=True, streak=3, best_before=3),  # equals the best: kept
        member(3, 1, met=True, streak=1, best_before=0),  # one week: neither
        member(4, 2, met=True, streak=2, best_before=0),  # a first streak growing: kept
        member(8, 2, met=True, streak=5, best_before=4, record_broken=False),  # its own best
        member(5, 0, met=False, streak=6, best_before=6, paused=True),  # paused: neither
        member(7, 0, met=False, streak=5, best_before=0, shield_used=True),  # not met: neither
        member(6, 1, met=True, streak=9, best_before=12),  # kept
    ]
    got = summarize(WEEK, members, goal=None)
    assert got.new_bests == [(1, 3)]
    assert got.kept == [(6, 9), (8, 5), (2, 3), (4, 2)]


def test_kept_and_new_best_are_longest_first_then_by_id():
    members = [member(uid, 1, met=True, streak=s, best_before=99) for uid, s in [(5, 2), (3, 4)]]
    members += [member(4, 1, met=True, streak=2, best_before=99)]
    assert summarize(WEEK, members, goal=None).kept == [(3, 4), (4, 2), (5, 2)]


def test_shields_used_carry_the_streak_they_kept():
    members = [
        member(7, 0, met=False, streak=4, shield_used=True),
        member(3, 0, met=False, streak=6, shield_used=True),
        member(5, 0, met=False, streak=4),
    ]
    got = summarize(WEEK, members, goal=None)
    assert got.shields_used == [(3, 6), (7, 4)]
    assert "<@7> used a shield to keep a 4-week streak" in compose(got, MONDAY)[0].splitlines()


def test_newcomers_are_sorted_visible_first_timers():
    members = [
        member(30, 1, first_ever=True),
        member(10, 2, first_ever=True),
        member(20, 1, first_ever=True, hidden=True),
        member(40, 3),
    ]
    assert summarize(WEEK, members, goal=None).newcomers == [10, 30]


def test_member_order_does_not_change_the_summary():
    members = [
        member(uid, uid % 4, met=uid % 2 == 0, streak=uid % 5, first_ever=uid % 3 == 0)
        for uid in range(1, 30)
    ]
    shuffled = members[:]
    random.Random(7).shuffle(shuffled)
    assert summarize(WEEK, members, goal=20) == summarize(WEEK, shuffled, goal=20)


def test_a_real_timeline_record_reports_the_shield():
    start = MONDAY - timedelta(weeks=2)  # met, met (a shield earned), then the recapped week
    days = [start, start + timedelta(weeks=1)]
    records = timeline(days, 1, ShieldRule(every=2), (), WEEK + 1)
    week = next(r for r in records if r.week == WEEK)
    got = summarize(WEEK, [MemberWeek(1, week, False, False)], goal=None)
    assert got.shields_used == [(1, 2)]
    assert got.total == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: summarize(WEEK, [member(1, 1, week=WEEK - 1)], goal=None), "week"),
        (lambda: summarize(WEEK, [member(1, 1), member(1, 2)], goal=None), "twice"),
        (lambda: summarize(WEEK, [], goal=None, top=0), "top"),
        (lambda: summarize(WEEK, [], goal=0), "goal"),
    ],
)
def test_summarize_refuses_inconsistent_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- compose ---------------------------------------------------------------------------


def test_readable_example():
    members = [
        member(1, 5, met=True, streak=6, best_before=5),
        member(2, 5, met=True, streak=3, best_before=8),
        member(3, 3, met=True, streak=1, first_ever=True),
        member(4, 0, met=False, streak=4, best_before=4, shield_used=True),
        member(5, 9, hidden=True),
    ]
    got = compose(summarize(WEEK, members, goal=30), MONDAY)
    assert got == [
        "📅 **Leg day recap: week of 30 Nov 2026**\n"
        "Together: **22** leg days / 30 goal (8 short)\n"
        "\n"
        "🏆 **Top of the week**\n"
        "🥇 <@1>, <@2>: 5 leg days\n"
        "🥉 <@3>: 3 leg days\n"
        "\n"
        "🔥 **New best streak**: <@1> (6 weeks)\n"
        "\n"
        "💪 **Streak kept**: <@2> (3 weeks)\n"
        "\n"
        "🛡️ **Shields used**\n"
        "<@4> used a shield to keep a 4-week streak\n"
        "\n"
        "👋 **First leg day**: <@3>. Welcome!"
    ]


def test_title_shows_the_monday_of_the_week():
    summary = counts((1, 1))
    for day in (MONDAY, MONDAY + timedelta(days=3), MONDAY + timedelta(days=6)):
        assert compose(summary, day)[0].splitlines()[0] == (
            "📅 **Leg day recap: week of 30 Nov 2026**"
        )


def test_compose_refuses_a_day_of_another_week():
    with pytest.raises(ValueError):
        compose(counts((1, 1)), MONDAY - timedelta(days=1))


def test_goal_met_gets_a_tick_and_singular_days_read_well():
    lines = compose(counts((1, 1), goal=1), MONDAY)[0].splitlines()
    assert lines[1] == "Together: **1** leg day / 1 goal ✅"
    assert lines[-1] == "🥇 <@1>: 1 leg day"
    assert compose(counts((1, 4)), MONDAY)[0].splitlines()[1] == "Together: **4** leg days"


def test_an_empty_week_is_one_kind_line_after_the_title():
    for summary in (counts(goal=10), summarize(WEEK, [member(1, 0)], goal=None)):
        messages = compose(summary, MONDAY)
        assert len(messages) == 1
        title, body = messages[0].split("\n")
        assert title.startswith("📅")
        assert "no leg days" in body.lower()
        assert "goal" not in body


def test_late_line_follows_the_title_and_test_line_comes_first():
    summary = counts((1, 2))
    plain = compose(summary, MONDAY)[0].splitlines()
    late = compose(summary, MONDAY, late=True)[0].splitlines()
    trial = compose(summary, MONDAY, test=True)[0].splitlines()
    both = compose(summary, MONDAY, late=True, test=True)[0].splitlines()
    late_line = "*(A bit late, sorry: this was due a while ago.)*"
    test_line = "🧪 *Test recap: nothing recorded.*"
    assert late == [plain[0], late_line, *plain[1:]]
    assert trial == [test_line, *plain]
    assert both == [test_line, plain[0], late_line, *plain[1:]]
    assert late_line not in plain and test_line not in plain


def test_sections_appear_only_when_they_have_someone():
    lines = compose(counts((1, 2), (2, 1)), MONDAY)[0]
    for marker in ("🔥", "💪", "🛡️", "👋"):
        assert marker not in lines
    assert "🏆" in lines


def test_long_name_lists_are_capped_with_and_more():
    members = [member(uid, 1, first_ever=True) for uid in range(1, 31)]
    body = text(compose(summarize(WEEK, members, goal=None), MONDAY))
    newcomer_line = next(line for line in body.splitlines() if line.startswith("👋"))
    assert newcomer_line.count("<@") == NAMES_SHOWN
    assert "and 10 more" in newcomer_line
    assert "<@20>" in newcomer_line and "<@21>" not in newcomer_line


@pytest.mark.parametrize(("used", "more"), [(NAMES_SHOWN, None), (NAMES_SHOWN + 1, "…and 1 more")])
def test_shield_lines_stop_at_the_cap(used, more):
    members = [member(uid, 0, met=False, streak=3, shield_used=True) for uid in range(used)]
    lines = text(compose(summarize(WEEK, members, goal=None), MONDAY)).splitlines()
    assert sum("used a shield" in line for line in lines) == NAMES_SHOWN
    assert lines[-1] == (more or f"<@{NAMES_SHOWN - 1}> used a shield to keep a 3-week streak")


def test_leaders_share_one_name_budget():
    members = [member(uid, 5) for uid in range(1, 26)] + [member(99, 3)]
    body = text(compose(summarize(WEEK, members, goal=None, top=26), MONDAY))
    top = body.split("🏆")[1]
    assert top.count("<@") == NAMES_SHOWN
    assert "and 5 more: 5 leg days" in top
    assert "<@99>" not in top and "…and 1 more" in top


def test_positions_past_bronze_are_numbered():
    got = compose(counts((1, 9), (2, 8), (3, 7), (4, 6), top=4), MONDAY)[0]
    assert "🏅 #4 <@4>: 6 leg days" in got.splitlines()


MENTION = re.compile(r"<@-?\d+>")


def assert_safe(messages):
    assert messages
    for message in messages:
        assert 0 < len(message) <= MESSAGE_LIMIT
        assert "@everyone" not in message and "@here" not in message and "<@&" not in message
        # Every "@" is a user mention: no role, channel-wide or other ping can sneak in.
        assert message.count("@") == len(MENTION.findall(message))


def crowd(seed, size):
    rng = random.Random(seed)
    members = []
    for uid in rng.sample(range(10**17, 10**18), size):
        count = rng.choice([0, 0, 1, 2, 3, 7])
        streak = rng.randint(0, 60)
        members.append(
            member(
                uid,
                count,
                met=count >= 2,
                streak=streak,
                best_before=rng.randint(0, 60),
                shield_used=count == 0 and rng.random() < 0.3,
                first_ever=rng.random() < 0.1,
                hidden=rng.random() < 0.05,
            )
        )
    return members


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    goal=st.none() | st.integers(1, 10**6),
    top=st.integers(1, 50),
    late=st.booleans(),
    test=st.booleans(),
)
def test_five_thousand_members_fit_in_discord_messages(seed, goal, top, late, test):
    members = crowd(seed, 5000)
    summary = summarize(WEEK, members, goal=goal, top=top)
    messages = compose(summary, MONDAY, late=late, test=test)
    assert_safe(messages)
    assert len(messages) >= 2  # the sections outgrow one message
    assert summary.total == sum(m.record.count for m in members if m.record)
    body = text(messages)
    assert body.count("📅 **Leg day recap") == 1
    for section in ("🏆", "🔥", "💪", "🛡️", "👋"):
        assert body.count(section) == 1
    for message in messages:
        assert message == message.strip("\n")


def test_splitting_keeps_every_line_in_order(monkeypatch):
    summary = summarize(WEEK, crowd(3, 5000), goal=100, top=10)
    split = compose(summary, MONDAY, late=True)
    monkeypatch.setattr("bot.core.recap.MESSAGE_LIMIT", 10**9)
    (whole,) = compose(summary, MONDAY, late=True)
    assert len(split) >= 2
    assert [ln for m in split for ln in m.splitlines() if ln] == [
        ln for ln in whole.splitlines() if ln
    ]


ids = st.integers(0, 2**64)
pairs = st.lists(st.tuples(ids, st.integers(0, 10**6)), max_size=60)
summaries = st.builds(
    RecapSummary,
    week=st.just(WEEK),
    total=st.integers(0, 10**9),
    goal=st.none() | st.integers(1, 10**9),
    goal_met=st.none() | st.booleans(),
    leaders=st.lists(st.tuples(st.integers(1, 7 * 10**4), st.lists(ids, max_size=40)), max_size=8),
    new_bests=pairs,
    kept=pairs,
    shields_used=pairs,
    newcomers=st.lists(ids, max_size=60),
)


@settings(max_examples=200, deadline=None)
@given(summaries, st.booleans(), st.booleans())
def test_any_summary_composes_safe_messages(summary, late, test):
    assert_safe(compose(summary, MONDAY, late=late, test=test))


def test_members_on_a_break_are_named_with_the_streak_their_pause_keeps():
    members = [
        member(1, 0, met=False, streak=6, best_before=6, paused=True),
        member(2, 1, met=False, streak=0, paused=True),  # trained anyway: still on a break
        member(3, 0, met=False, streak=4, best_before=4, paused=True, hidden=True),
    ]
    got = summarize(WEEK, members, goal=None)
    assert got.paused == [(1, 6), (2, 0)]
    assert "🏖️ **On a break**: <@1> (6 weeks safe), <@2>" in text(compose(got, MONDAY))
