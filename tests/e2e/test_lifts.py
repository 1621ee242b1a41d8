"""Lifts on the real bot process: sets and records in the check-in reply, a heavier set a
day later, `legday lifts`, `legday prs` between two members, undo, a note without lifts,
and `legday units`. The clock moves with `TimeMachine` (a day between check-ins)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from fakediscord import Message
from tests.e2e.conftest import E2E, TimeMachine, embed_text, field, open_stage

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

DAY = 24 * 3600


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(
    tmp_path_factory: pytest.TempPathFactory, backend: str
) -> AsyncIterator[tuple[E2E, TimeMachine]]:
    """A bot of its own: this module moves its clock."""
    folder = tmp_path_factory.mktemp("lifts")
    clock_file = folder / "clock"
    clock_file.write_text("0")
    async for e2e in open_stage(folder, {"LEGDAY_CLOCK_FILE": str(clock_file)}, backend=backend):
        yield e2e, TimeMachine(e2e.fd, clock_file)


def fields(message: Message) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0].get("fields", [])}


async def test_lifts_records_boards_undo_and_units(stage: tuple[E2E, TimeMachine]):
    root, clock = stage
    e2e = root.new_server()
    ana = e2e.member("ana")
    ben = e2e.member("ben")

    first = await e2e.ask(ana, "!legday squat 5x5 100kg, RDL 4x10 135lb")
    assert first.embeds[0]["title"].startswith("Leg day logged")
    assert field(first, "Lifts") == "Squat 5×5 @ 100 kg\nRomanian deadlift 4×10 @ 135 lb"
    assert field(first, "🏆 New PRs") == (
        "Squat 5×5 @ 100 kg — heaviest for 5 reps; e1RM 116.5 kg (Epley)\n"
        "Romanian deadlift 4×10 @ 135 lb — heaviest for 10 reps; e1RM 81.5 kg (Epley)"
    )

    await clock.advance(DAY)
    _, heavier = await e2e.slash(ana, "legday checkin", {"note": "Squat: 5x5 @ 102.5"})
    assert not heavier.ephemeral
    assert field(heavier, "Lifts") == "Squat 5×5 @ 102.5 kg"
    assert field(heavier, "🏆 New PR") == (
        "Squat 5×5 @ 102.5 kg — heaviest for 5 reps; e1RM 119.5 kg (Epley)"
    )
    # the same day again: a repeat keeps nothing, and says so
    repeat = await e2e.ask(ana, "!legday squat 5x5 200")
    assert field(repeat, "Lifts") == (
        "Not saved: that day was already logged. To add them: `legday undo`, then check in "
        "again with the note."
    )

    mine = await e2e.ask(ana, "!legday lifts squats")
    assert mine.embeds[0]["title"] == "Lifts: Squat"
    recent = field(mine, "Recent").split("\n")
    assert [line.split(" · ")[1] for line in recent] == [
        "Squat 5×5 @ 102.5 kg",
        "Squat 5×5 @ 100 kg",
    ]
    assert field(mine, "Heaviest") == "5 reps: 102.5 kg\n**e1RM (Epley): 119.5 kg**"
    everything = await e2e.ask(ana, "!legday lifts")
    assert field(everything, "Records") == (
        "**Squat** · e1RM 119.5 kg · heaviest 102.5 kg × 5\n"
        "**Romanian deadlift** · e1RM 81.5 kg · heaviest 61 kg × 10"
    )

    await e2e.ask(ben, "!legday squat 3x3 130")
    board = await e2e.ask(ben, "!legday prs squat")
    assert board.embeds[0]["title"] == "Squat: best e1RM"
    assert board.embeds[0]["description"] == (
        f"🥇 <@{ben.id}> · 143 kg (130 kg × 3)\n🥈 <@{ana.id}> · 119.5 kg (102.5 kg × 5)"
    )
    assert board.mention_ids == []  # names, no pings
    _, slash_board = await e2e.slash(ana, "legday prs", {"exercise": "back squat"})
    assert slash_board.embeds[0]["description"] == board.embeds[0]["description"]

    unknown = await e2e.ask(ana, "!legday prs sqaut")
    assert unknown.content == (
        "**exercise**: nobody here has logged `sqaut`. Expected one logged here: Squat."
    )

    undone = await e2e.ask(ana, "!legday undo")
    assert undone.content.startswith("Removed your check-in for ")
    after = await e2e.ask(ana, "!legday lifts squat")
    assert [line.split(" · ")[1] for line in field(after, "Recent").split("\n")] == [
        "Squat 5×5 @ 100 kg"
    ]
    board = await e2e.ask(ana, "!legday prs squat")
    assert f"<@{ana.id}> · 116.5 kg (100 kg × 5)" in board.embeds[0]["description"]

    _, units = await e2e.slash(ana, "legday units", {"unit": "lb"})
    assert units.ephemeral
    assert units.content == "Your lifts are now in **pounds**: `squat 5x5 100` means 100 lb."
    in_lb = await e2e.ask(ana, "!legday lifts squat")
    assert field(in_lb, "Heaviest") == "5 reps: 220 lb\n**e1RM (Epley): 257 lb**"
    assert in_lb.embeds[0]["footer"]["text"].startswith("Weights in lb")
    stats = await e2e.ask(ana, "!legday stats")
    assert field(stats, "Weight unit") == "lb"
    again = await e2e.ask(ana, "!legday squat 5x5 225")
    assert field(again, "Lifts") == "Squat 5×5 @ 225 lb"
    assert field(again, "🏆 New PR") == (
        "Squat 5×5 @ 225 lb — heaviest for 5 reps; e1RM 263 lb (Epley)"
    )
    back = await e2e.ask(ana, "!legday units kg")
    assert back.content == "Your lifts are now in **kilograms**: `squat 5x5 100` means 100 kg."
    wrong = await e2e.ask(ana, "!legday units stone")
    assert (
        wrong.content == "**unit**: `stone` is not a weight unit. Expected `kg` or `lb`, e.g. `kg`."
    )


async def test_a_note_without_lifts_is_a_plain_checkin(stage: tuple[E2E, TimeMachine]):
    root, _ = stage
    e2e = root.new_server()
    cara = e2e.member("cara")
    reply = await e2e.ask(cara, "!legday felt great 10/10, 5k run after")
    assert reply.embeds[0]["title"].startswith("Leg day logged")
    assert "Lifts" not in fields(reply) and "PR" not in embed_text(reply)
    mine = await e2e.ask(cara, "!legday lifts")
    assert mine.embeds[0]["description"] == (
        f"<@{cara.id}>: no lifts logged yet. Put them in a check-in note, e.g. "
        "`legday squat 5x5 100kg`."
    )
    unknown = await e2e.ask(cara, "!legday lifts squat")
    assert unknown.content == (
        "**exercise**: you haven't logged `squat` here. Expected an exercise logged in a "
        "check-in note, e.g. `legday squat 5x5 100kg`."
    )
    _, nobody = await e2e.slash(cara, "legday prs", {"exercise": "squat"})
    assert nobody.ephemeral
    assert nobody.content.startswith("**exercise**: nobody here has logged `squat`.")


async def test_a_backfill_carries_its_lifts(stage: tuple[E2E, TimeMachine]):
    root, _ = stage
    e2e = root.new_server()
    dev = e2e.member("dev")
    reply = await e2e.ask(dev, "!legday log yesterday deadlift 1x1 200kg")
    assert reply.embeds[0]["title"].startswith("Leg day backfilled")
    assert field(reply, "Lifts") == "Deadlift 1×1 @ 200 kg"
    assert field(reply, "🏆 New PR") == (
        "Deadlift 1×1 @ 200 kg — heaviest for 1 rep; e1RM 200 kg (Epley)"
    )
    _, slash_log = await e2e.slash(
        dev, "legday log", {"day": "today", "note": "leg press 3x12 200, calf raises 4x15 bw"}
    )
    assert field(slash_log, "Lifts") == "Leg press 3×12 @ 200 kg\nCalf raise 4×15"
