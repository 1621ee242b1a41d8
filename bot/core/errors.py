"""Errors the domain knows: bad user input, and a post that did not go out."""

from __future__ import annotations

MAX_ECHO = 50


def echo(text: str, limit: int = MAX_ECHO) -> str:
    """Return user input made safe to quote in chat: no backticks, truncated, in backticks."""
    cleaned = " ".join(text.replace("`", "").split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return f"`{cleaned}`" if cleaned else "(empty)"


class InputError(ValueError):
    """Bad user input; its message is safe and friendly to show in chat."""

    argument: str
    problem: str
    expected: str
    example: str | None

    def __init__(
        self, argument: str, problem: str, expected: str, example: str | None = None
    ) -> None:
        self.argument = argument
        self.problem = problem
        self.expected = expected
        self.example = example
        super().__init__(self.user_message())

    def user_message(self) -> str:
        """Render the error as one short chat line."""
        message = f"**{self.argument}**: {self.problem.rstrip('.')}. Expected {self.expected}"
        if self.example is not None:
            message += f", e.g. `{self.example.replace('`', '')}`"
        return message + "."

    def __str__(self) -> str:
        return self.user_message()


class PostFailed(Exception):
    """A post did not go out. `permanent` failures (403, 404) will not heal by retrying."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
