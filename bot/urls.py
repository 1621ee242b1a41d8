"""Reading database URLs without a database library."""

from __future__ import annotations


def sqlite_database(url: str) -> str | None:
    """What a `sqlite[+driver]:///path` URL names (a path, `:memory:` or a `file:` URI);
    None for any other database."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.split("+")[0] != "sqlite":
        return None
    return rest.removeprefix("/").split("?")[0] or ":memory:"
