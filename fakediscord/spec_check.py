"""Every REST exchange checked against Discord's published OpenAPI description.

The emulator records each request the bot made and what it answered
(`Emulator.requests`). `SpecCheck` finds the operation of each record in the spec and
validates the request body against its request schema and the response body against the
schema of the status it answered with (JSON Schema draft 2020-12, as OpenAPI 3.1 uses).

Where the spec and Discord's documented behaviour disagree (Discord: the docs win), the
spec is corrected in one place, `CORRECTIONS`, each with its reason. A request is checked
only when the emulator accepted it: one it refused (400 with Discord's error shape, and a
violation recorded) was already caught, and is often a test of that very refusal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakediscord.emulator import RequestRecord

SPEC_URI = "urn:discord-openapi"
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Correction:
    """Replace the schema at `pointer` (inside components/schemas) for `side`."""

    pointer: str
    schema: dict[str, Any]
    side: str  # "request", "response" or "both"
    reason: str


_SNOWFLAKE = {"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}

CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "SnowflakeType",
        {"anyOf": [_SNOWFLAKE, {"type": "integer", "minimum": 0}]},
        "request",
        "Discord accepts ids sent as JSON integers (discord.py sends message_reference, "
        "allowed_mentions and DM recipients that way); it always answers with strings.",
    ),
    Correction(
        "InnerErrors",
        {
            "type": "object",
            "properties": {
                "_errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                        "required": ["code", "message"],
                    },
                }
            },
            "additionalProperties": False,
            "required": ["_errors"],
        },
        "response",
        "A field error's code is a string such as BASE_TYPE_MAX_LENGTH (the docs' "
        "error examples); the spec reuses the top-level Error, whose code is a number.",
    ),
)


@dataclass(frozen=True)
class SpecProblem:
    key: str  # "METHOD /route"
    operation: str
    part: str  # "request" or "response <status>"
    where: str  # JSON path inside the body
    message: str

    def __str__(self) -> str:
        return f"{self.key} ({self.operation}) {self.part} at {self.where}: {self.message}"


def find_spec() -> Path | None:
    """Discord's spec where this checkout expects it: $FAKEDISCORD_OPENAPI, or
    `../shared/discord-api-spec/openapi.json` beside the project (None when absent)."""
    named = os.environ.get("FAKEDISCORD_OPENAPI")
    if named:
        return Path(named) if Path(named).is_file() else None
    beside = Path(__file__).resolve().parents[2] / "shared" / "discord-api-spec" / "openapi.json"
    return beside if beside.is_file() else None


_loaded: dict[Path, SpecCheck] = {}


def load_spec(path: Path | None = None) -> SpecCheck | None:
    """The spec checker for `path` (default: `find_spec()`), built once per process."""
    path = path or find_spec()
    if path is None:
        return None
    if path not in _loaded:
        _loaded[path] = SpecCheck(path)
    return _loaded[path]


def _absolute_refs(node: Any) -> Any:
    """Point every local `#/...` reference at the spec's URI, so any part of the spec can
    be used as a schema on its own and still resolve what it refers to."""
    if isinstance(node, dict):
        out = {k: _absolute_refs(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            out["$ref"] = SPEC_URI + ref
        return out
    if isinstance(node, list):
        return [_absolute_refs(v) for v in node]
    return node


def _corrected(spec: dict[str, Any], side: str) -> Registry[Any]:
    schemas = dict(spec["components"]["schemas"])
    for correction in CORRECTIONS:
        if correction.side in (side, "both"):
            schemas[correction.pointer] = correction.schema
    patched = {**spec, "components": {**spec["components"], "schemas": schemas}}
    resource = Resource.from_contents(patched, default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


class SpecCheck:
    def __init__(self, spec_path: Path) -> None:
        spec = _absolute_refs(json.loads(spec_path.read_text(encoding="utf-8")))
        self._spec = spec
        self._registries = {side: _corrected(spec, side) for side in ("request", "response")}
        # "METHOD /channels/{}/messages" -> the operation object
        self._operations: dict[str, dict[str, Any]] = {}
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    self._operations[f"{method.upper()} {_PARAM.sub('{}', path)}"] = operation
        self.checked = 0
        self._validators: dict[str, Draft202012Validator] = {}

    def operation(self, method: str, route: str) -> dict[str, Any] | None:
        return self._operations.get(f"{method} {_PARAM.sub('{}', route)}")

    def problems(self, records: Iterable[RequestRecord]) -> list[SpecProblem]:
        found: list[SpecProblem] = []
        for record in records:
            found.extend(self.check(record))
        return found

    def check(self, record: RequestRecord) -> Iterator[SpecProblem]:
        if record.route == "<unknown>" or record.status is None:
            return
        operation = self.operation(record.method, record.route)
        if operation is None:
            yield SpecProblem(record.key, "?", "route", "", "no such operation in the spec")
            return
        self.checked += 1
        name = str(operation.get("operationId", "?"))
        if record.json is not None and 200 <= record.status < 300:
            schema = _request_schema(operation)
            if schema is not None:
                yield from self._validate(record, name, "request", schema, record.json)
        schema = self._response_schema(operation, record.status)
        if schema is not None and record.response is not None:
            part = f"response {record.status}"
            yield from self._validate(record, name, part, schema, record.response)

    def request_errors(self, method: str, route: str, body: Any) -> list[ValidationError]:
        """What is wrong with `body` as the request body of this route ([] if unknown)."""
        operation = self.operation(method, route)
        schema = None if operation is None else _request_schema(operation)
        if schema is None:
            return []
        return list(self._validator("request", schema).iter_errors(body))

    def _validator(self, side: str, schema: Any) -> Draft202012Validator:
        text = side + json.dumps(schema, sort_keys=True)
        validator = self._validators.get(text)
        if validator is None:
            validator = Draft202012Validator(schema, registry=self._registries[side])
            self._validators[text] = validator
        return validator

    def _response_schema(self, operation: dict[str, Any], status: int) -> Any:
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if response is None:
            return None
        while "$ref" in response:
            response = self._lookup(response["$ref"])
        content = response.get("content", {}).get("application/json")
        return None if content is None else content.get("schema")

    def _lookup(self, ref: str) -> Any:
        node: Any = self._spec
        for token in ref.removeprefix(SPEC_URI + "#/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def _validate(
        self, record: RequestRecord, name: str, part: str, schema: Any, body: Any
    ) -> Iterator[SpecProblem]:
        validator = self._validator(part.split()[0], schema)
        for error in validator.iter_errors(body):
            yield SpecProblem(record.key, name, part, error.json_path, _explain(error))


def _request_schema(operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    for kind in ("application/json", "multipart/form-data"):
        if kind in content:
            return content[kind].get("schema")
    return None


def _explain(error: ValidationError) -> str:
    """The error, and for "valid under none of" the reason each alternative gave."""
    text = _short(error.message)
    if error.context:
        reasons = sorted({f"{e.json_path}: {_short(e.message, 120)}" for e in error.context})
        text += " [" + "; ".join(reasons[:6]) + "]"
    return text


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
