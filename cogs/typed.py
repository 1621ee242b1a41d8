"""discord.py's hybrid command decorators, typed so mypy can check the cogs.

discord.py types a hybrid decorator's callback through a union of `Concatenate` forms that
mypy cannot solve (even a two-line cog fails with "expected def (Never, Never, ...)"). These
wrappers call the very same decorators and state the result; everything else in a cog
stays checked.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from discord.ext import commands

Callback = Callable[..., Coroutine[Any, Any, None]]
Group = commands.HybridGroup[Any, ..., None]
Command = commands.HybridCommand[Any, ..., None]


def hybrid_group(**options: Any) -> Callable[[Callback], Group]:
    return cast(Callable[[Callback], Group], commands.hybrid_group(**options))


def subcommand(parent: Group, **options: Any) -> Callable[[Callback], Command]:
    return cast(Callable[[Callback], Command], parent.command(**options))


def subgroup(parent: Group, **options: Any) -> Callable[[Callback], Group]:
    return cast(Callable[[Callback], Group], parent.group(**options))
