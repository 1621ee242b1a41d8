"""Moving a role in the server's role list, as an admin dragging it does."""

from __future__ import annotations

from fakediscord import FakeDiscord
from tests.fakediscord.conftest import World


def _order(fd: FakeDiscord, world: World) -> list[str]:
    roles = [r for r in world.guild.roles.values() if r.id != world.guild.id]
    return [r.name for r in sorted(roles, key=lambda r: r.position)]


async def test_a_moved_role_shifts_the_ones_in_between(fd: FakeDiscord, world: World) -> None:
    bot_role = fd.bot_role(world.guild)
    low = fd.create_role(world.guild, "low")
    assert low.position < bot_role.position
    fd.move_role(low, bot_role.position + 1)
    assert low.position > bot_role.position
    positions = sorted(r.position for r in world.guild.roles.values() if r.id != world.guild.id)
    assert positions == list(range(1, len(positions) + 1))  # no gaps, no ties
    fd.move_role(low, 1)
    assert _order(fd, world)[0] == "low" and low.position < bot_role.position
    fd.move_role(low, 10_000)  # past the top: the top
    assert _order(fd, world)[-1] == "low"
