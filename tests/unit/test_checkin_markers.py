"""Every post with a check-in button carries a marker the bot can find it by after a
crash: a reminder's, and a weekly post's (the goal, the recap, the streak call)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.group_goal import weekly_nonce
from bot.views import checkin_custom_id, checkin_marker

MON = date(2026, 11, 2)


@pytest.mark.parametrize("kind", ["goal", "recap", "risk"])
def test_a_weekly_posts_marker_is_read_back_from_its_button(kind: str):
    marker = weekly_nonce(123, kind, MON, 1)
    assert checkin_marker(checkin_custom_id(marker)) == marker


def test_other_custom_ids_carry_no_marker():
    assert checkin_marker(checkin_custom_id()) is None
    assert checkin_marker("legday:checkin:lx" + "0" * 23) is None
    assert checkin_marker("legday:top:week:1:next") is None
