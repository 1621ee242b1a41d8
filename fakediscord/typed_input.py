"""Request bodies checked against their types as Discord checks them.

Discord answers a body with a wrong type, an out-of-range enum or an over-long field with
400 `50035 Invalid Form Body` and a tree of field errors. The emulator does the same from
the request schemas of Discord's OpenAPI description (see `spec_check`), so a bot bug that
Discord would refuse is refused here too, and recorded as a violation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from fakediscord.checks import PayloadReport, check_message_payload
from fakediscord.spec_check import SpecCheck

VIOLATION = "invalid_form_body"

# JSON Schema type -> (Discord's error code, its message; {value} is the value sent).
_CONVERT = {
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not a number.'),
    "string": ("STRING_TYPE_CONVERT", "Could not interpret {value!r} as string."),
    "boolean": ("BOOLEAN_TYPE_CONVERT", "Must be either true or false."),
    "object": ("MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
}


# Routes whose body is (or carries, under "data") a message: when such a body is refused,
# the emulator's own message checks name the broken limit more precisely.
_MESSAGE_ROUTES = {
    "POST /channels/{channel_id}/messages": False,
    "PATCH /channels/{channel_id}/messages/{message_id}": True,
    "POST /webhooks/{webhook_id}/{webhook_token}": False,
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": True,
    "POST /interactions/{webhook_id}/{webhook_token}/callback": False,
}


def check_typed_body(spec: SpecCheck, method: str, route: str, body: Any, files: int) -> None:
    """Raise `ApiError` 400/50035 when `body` breaks its request schema."""
    report = PayloadReport()
    for error in spec.request_errors(method, route, body):
        _report(report, _deepest(error))
    if report.errors:
        _message_checks_first(f"{method} {route}", body, files)
    report.raise_if_any()


def _message_checks_first(key: str, body: Any, files: int) -> None:
    """The emulator's message checks, which raise the error they find (e.g. kind
    `embed_limit` rather than the generic `invalid_form_body`)."""
    if key not in _MESSAGE_ROUTES or not isinstance(body, dict):
        return
    message = body.get("data") if key.endswith("/callback") else body
    if isinstance(message, dict):
        # They assume well-typed values: on a badly typed one the typed error stands.
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            check_message_payload(message, files=files, is_edit=_MESSAGE_ROUTES[key])


def _deepest(error: ValidationError) -> ValidationError:
    """For "valid under none of ...", the alternative that came closest."""
    # "It is not null" says nothing about a value that was meant to be something else.
    alternatives = [e for e in error.context or [] if not _only_not_null(e)]
    if alternatives:
        closest = best_match(alternatives)
        if closest is not None:
            return _deepest(closest)
    return error


def _only_not_null(error: ValidationError) -> bool:
    return error.validator == "type" and error.validator_value == "null"


def _path(parts: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(p) for p in parts)


def _report(report: PayloadReport, error: ValidationError) -> None:
    path = _path(error.absolute_path)
    kind, limit, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties":
        return  # Discord ignores fields it does not know
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        report.add((*path, missing), "BASE_TYPE_REQUIRED", "This field is required", VIOLATION)
    elif kind in ("maxLength", "maxItems"):
        report.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.", VIOLATION)
    elif kind in ("minLength", "minItems"):
        report.add(path, "BASE_TYPE_MIN_LENGTH", f"Must be {limit} or more in length.", VIOLATION)
    elif kind in ("enum", "const"):
        choices = limit if isinstance(limit, list) else [limit]
        shown = ", ".join(str(c) for c in choices)
        report.add(path, "BASE_TYPE_CHOICES", f"Value must be one of {{{shown}}}.", VIOLATION)
    elif kind == "maximum":
        message = f"int value should be less than or equal to {limit}."
        report.add(path, "NUMBER_TYPE_MAX", message, VIOLATION)
    elif kind == "minimum":
        message = f"int value should be greater than or equal to {limit}."
        report.add(path, "NUMBER_TYPE_MIN", message, VIOLATION)
    elif kind == "type":
        wanted = limit[0] if isinstance(limit, list) else limit
        code, template = _CONVERT.get(str(wanted), ("BASE_TYPE_BAD", "Invalid value."))
        report.add(path, code, template.format(value=value), VIOLATION)
    else:
        report.add(path, "BASE_TYPE_BAD", f"Invalid value ({kind}).", VIOLATION)
