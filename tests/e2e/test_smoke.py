import pytest

from tests.e2e.conftest import E2E

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]


async def test_prefix_checkin_then_repeat(e2e: E2E):
    alice = e2e.member("alice")
    await e2e.fd.say(alice, e2e.gym, "!legday front squats")
    first = await e2e.fd.next_message(e2e.gym)
    assert first.embeds[0]["title"].startswith("Leg day logged")
    await e2e.fd.say(alice, e2e.gym, "!legday")
    again = await e2e.fd.next_message(e2e.gym)
    assert again.embeds[0]["title"].startswith("Already logged")


async def test_slash_checkin(e2e: E2E):
    bob = e2e.member("bob")
    interaction = await e2e.fd.slash(bob, e2e.gym, "legday checkin", {"note": "lunges"})
    reply = await interaction.wait_response(timeout=5)
    assert reply.embeds[0]["title"].startswith("Leg day logged")
