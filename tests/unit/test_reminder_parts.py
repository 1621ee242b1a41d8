"""What a reminder says, exactly: the whole text of every part and its nonce.

`tests/reminders/test_mentions.py` checks the mention rules over many sizes; these pin the
words and the nonces themselves. A nonce is stored with every delivery and read back from
Discord after a crash, so changing how it is made would orphan the posts of an upgrade.
"""

from datetime import date

from bot.core.reminders import (
    MENTIONS_PER_MESSAGE,
    Broadcast,
    Kind,
    ReminderPart,
    compose,
    nonce,
)

JUNE_1 = date(2026, 6, 1)
CALL = "🦵 **It's leg day!** Squats, lunges, deadlifts: pick your poison."
NUDGE = "⏰ **Leg day check:** still time to get those legs in today."
LATE = "*(A bit late, sorry: this was due a while ago.)*"


def test_nonces_are_the_same_as_in_every_earlier_release():
    assert nonce(3, JUNE_1, Kind.REMINDER, 0) == "ldac5a2bbe63d82f1cf5df26e"
    assert nonce(3, JUNE_1, Kind.NUDGE, 1) == "ldc44eeaa63c3cc4490e58de8"
    assert len(nonce(3, JUNE_1, Kind.REMINDER, 0)) == 25  # Discord's limit


def test_a_late_test_reminder_with_a_role_and_two_members():
    assert compose(3, JUNE_1, Kind.REMINDER, [11, 12], 77, late=True, test=True) == [
        ReminderPart(
            content=(
                f"🧪 *Test reminder: no delivery recorded.*\n{CALL}\n{LATE}\n<@&77>\n<@11> <@12>"
            ),
            user_ids=(11, 12),
            role_id=77,
            nonce=None,
            first=True,
            broadcast=None,
        )
    ]


def test_a_here_reminder_with_nobody_opted_in():
    assert compose(3, JUNE_1, Kind.REMINDER, [], None, broadcast=Broadcast.HERE) == [
        ReminderPart(
            content=f"{CALL}\n@here",
            user_ids=(),
            role_id=None,
            nonce="ldac5a2bbe63d82f1cf5df26e",
            first=True,
            broadcast=Broadcast.HERE,
        )
    ]


def test_a_late_nudge_pings_only_its_members():
    (part,) = compose(3, JUNE_1, Kind.NUDGE, [5], 77, broadcast=Broadcast.HERE, late=True)
    assert part == ReminderPart(
        content=f"{NUDGE}\n{LATE}\n<@5>",
        user_ids=(5,),
        role_id=None,
        nonce=nonce(3, JUNE_1, Kind.NUDGE, 0),
        first=True,
        broadcast=None,
    )


def test_a_nudge_for_nobody_is_not_sent():
    assert compose(3, JUNE_1, Kind.NUDGE, [], 77) == []


def test_members_past_the_cap_go_to_a_bare_second_part():
    members = list(range(1, MENTIONS_PER_MESSAGE + 2))
    first, second = compose(3, JUNE_1, Kind.REMINDER, members, 77, broadcast=Broadcast.EVERYONE)
    assert first.content == f"{CALL}\n<@&77>\n@everyone\n" + " ".join(
        f"<@{m}>" for m in members[:MENTIONS_PER_MESSAGE]
    )
    assert (first.role_id, first.broadcast, first.first) == (77, Broadcast.EVERYONE, True)
    assert second == ReminderPart(
        content=f"<@{MENTIONS_PER_MESSAGE + 1}>",
        user_ids=(MENTIONS_PER_MESSAGE + 1,),
        role_id=None,
        nonce=nonce(3, JUNE_1, Kind.REMINDER, 1),
        first=False,
        broadcast=None,
    )
    assert MENTIONS_PER_MESSAGE == 90
