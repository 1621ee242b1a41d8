"""The REST framework: request parsing/logging, auth, rate limits, faults and JSON replies."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from fakediscord.checks import ApiError
from fakediscord.emulator import Emulator, RequestRecord
from fakediscord.limiter import (
    GLOBAL_KEY,
    INVALID_REQUEST_BAN,
    BucketState,
    Served429,
    ceil_ms,
)
from fakediscord.messaging import UploadedFile
from fakediscord.rate_limits import SCOPE_GLOBAL, major_parameter

log = logging.getLogger("fakediscord.rest")

EMU_KEY = web.AppKey("fakediscord_emulator", Emulator)
API_PREFIX = "/api/v10"
FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


NO_CONTENT = Reply(204)


@dataclass
class Ctx:
    request: web.Request
    emu: Emulator
    record: RequestRecord
    json: Any
    files: list[UploadedFile]

    @property
    def key(self) -> str:
        return self.record.key

    @property
    def query(self) -> dict[str, str]:
        return self.record.query

    def param(self, name: str) -> str:
        return self.request.match_info[name]

    def int_param(self, name: str, error: ApiError | None = None) -> int:
        try:
            return int(self.request.match_info[name])
        except ValueError:
            raise error or ApiError(404, 0, "404: Not Found") from None

    def body(self) -> dict[str, Any]:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, 50109, "The request body contains invalid JSON.")
        return self.json

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true", "yes")


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass
class RouteSpec:
    method: str
    template: str
    handler: Handler
    auth: bool = True
    global_limit: bool = True


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[RouteSpec] = []

    def route(
        self, method: str, template: str, *, auth: bool = True, global_limit: bool = True
    ) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes.append(RouteSpec(method, template, fn, auth, global_limit))
            return fn

        return deco


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(), status=status, headers=all_headers
    )


def _bucket_headers(state: BucketState) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": f"{state.reset_at:.3f}",
        "X-RateLimit-Reset-After": f"{state.reset_after:.3f}",
        "X-RateLimit-Bucket": state.bucket,
        "Via": "1.1 google",
    }


def rate_limited_reply(
    retry_after: float,
    *,
    scope: str,
    bucket: BucketState | None,
    code: int | None = None,
) -> web.Response:
    """A 429 as Discord sends it; ``bucket`` is None for global ones (no bucket headers)."""
    is_global = scope == SCOPE_GLOBAL
    retry_after = ceil_ms(retry_after)
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    if bucket is not None:
        headers.update(
            {
                "X-RateLimit-Limit": str(bucket.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{bucket.reset_at:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": bucket.bucket,
            }
        )
    # Discord's docs: "code" only for some limits; the OpenAPI spec's Error lists it always.
    body: dict[str, Any] = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    if code is not None:
        body["code"] = code
    return json_reply(body, 429, headers)


async def parse_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    files: list[UploadedFile] = []
    if not request.can_read_body:
        return None, files
    ctype = request.content_type
    if ctype.startswith("multipart/"):
        payload: Any = None
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            name = getattr(part, "name", None) or ""
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                payload = json.loads(data or b"null")
                continue
            match = FILE_FIELD.match(name)
            if match:
                files.append(
                    UploadedFile(
                        index=int(match.group(1)),
                        filename=getattr(part, "filename", None) or f"file{match.group(1)}",
                        data=bytes(data),
                        content_type=part.headers.get("Content-Type"),
                    )
                )
        return payload, files
    raw = await request.read()
    if not raw:
        return None, files
    try:
        return json.loads(raw), files
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def _wrap(spec: RouteSpec) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    key = f"{spec.method} {spec.template}"

    async def endpoint(request: web.Request) -> web.StreamResponse:
        emu = request.app[EMU_KEY]
        path = (
            request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
        )
        record = RequestRecord(
            method=request.method,
            path=path,
            route=spec.template,
            query=dict(request.query),
            json=None,
            time=emu.clock.now(),
        )
        emu.requests.append(record)
        bucket: BucketState | None = None
        try:
            body, files = await parse_body(request)
            record.json = body
            record.files = [
                {"index": f.index, "filename": f.filename, "size": len(f.data)} for f in files
            ]
            watched = _Watched.of(emu, spec, request, record)
            emu.rate_limit_log.arrived(watched.keys, watched.signature, path)
            if spec.auth and not emu.token_valid(request.headers.get("Authorization")):
                raise ApiError(401, 0, "401: Unauthorized")
            delay = emu.faults.delay_for(spec.method, spec.template, path)
            if delay:
                await asyncio.sleep(delay)
            status_fault = emu.faults.take_status(spec.method, spec.template, path)
            if status_fault is not None:
                raise ApiError(status_fault.status, status_fault.code, status_fault.message)
            bucket, limited = _rate_limit(emu, spec, request, record, watched)
            if limited is not None:
                return _finish(emu, record, limited, None)
            # Counted on arrival, as Discord's edge counts it: requests that arrived
            # together are all counted before any of them is validated and run.
            await asyncio.sleep(0)
            if body is not None and emu.check_body is not None:
                emu.check_body(spec.method, spec.template, body, len(files))
            ctx = Ctx(request=request, emu=emu, record=record, json=body, files=files)
            result = await spec.handler(ctx)
        except ApiError as err:
            if err.violation:
                emu.record_violation(err.violation, err.detail, key, err.status)
            headers = _bucket_headers(bucket) if bucket is not None else {"Via": "1.1 google"}
            return _finish(emu, record, json_reply(err.body(), err.status, headers), err.body())
        headers = _bucket_headers(bucket) if bucket is not None else {"Via": "1.1 google"}
        if isinstance(result, Reply):
            headers.update(result.headers)
            if result.status == 204:
                return _finish(emu, record, web.Response(status=204, headers=headers), None)
            return _finish(
                emu, record, json_reply(result.body, result.status, headers), result.body
            )
        return _finish(emu, record, json_reply(result, 200, headers), result)

    return endpoint


@dataclass(frozen=True)
class _Watched:
    """What the retry-gap record knows a request by: its bucket key and its content."""

    bucket_key: tuple[str, str]
    counted_globally: bool
    signature: str

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [self.bucket_key, GLOBAL_KEY] if self.counted_globally else [self.bucket_key]

    @classmethod
    def of(
        cls, emu: Emulator, spec: RouteSpec, request: web.Request, record: RequestRecord
    ) -> _Watched:
        params = request.match_info
        route = emu.route_limits.limit_for(spec.method, spec.template, params, emu.clock.now())
        name = route.bucket if route is not None else record.key
        body = json.dumps(record.json, sort_keys=True, default=str)
        signature = f"{record.method} {record.path} {body} {record.files}"
        return cls((name, major_parameter(params)), spec.global_limit, signature)


def _rate_limit(
    emu: Emulator,
    spec: RouteSpec,
    request: web.Request,
    record: RequestRecord,
    watched: _Watched,
) -> tuple[BucketState | None, web.Response | None]:
    """Spend the request's bucket (and the global window); a 429 when either is exhausted."""
    params = request.match_info
    route = emu.route_limits.limit_for(spec.method, spec.template, params, emu.clock.now())
    major = major_parameter(params)
    injected = emu.faults.take_rate_limit(spec.method, spec.template, record.path)
    if injected is not None:
        bucket = emu.buckets.hit(route, major, count=False) if route is not None else None
        log.info("injected 429 on %s (retry_after=%s)", record.key, injected.retry_after)
        scope = SCOPE_GLOBAL if injected.is_global else injected.scope
        shown = None if injected.is_global else bucket
        key = GLOBAL_KEY if injected.is_global else watched.bucket_key
        return bucket, _serve_429(
            emu, record, injected.retry_after, scope, shown, injected=True, key=key, watched=watched
        )
    if spec.global_limit:
        retry = emu.global_limiter.hit()
        if retry is not None:
            emu.record_violation(
                "global_rate_limit_exceeded",
                f"more than {emu.global_limiter.per_second} requests in one second",
                record.key,
                429,
            )
            return None, _serve_429(
                emu, record, retry, SCOPE_GLOBAL, None, key=GLOBAL_KEY, watched=watched
            )
    if route is None:
        return None, None
    bucket = emu.buckets.hit(route, major)
    if not bucket.exceeded:
        return bucket, None
    emu.record_violation(
        "rate_limit_exceeded",
        f"bucket {route.bucket} ({bucket.bucket}) exhausted: {route.limit} per {route.per}s"
        f" for {major or 'the bot'}",
        record.key,
        429,
    )
    retry_after = bucket.reset_after or 0.001
    return bucket, _serve_429(
        emu,
        record,
        retry_after,
        bucket.scope,
        bucket,
        code=bucket.code,
        key=watched.bucket_key,
        watched=watched,
    )


def _serve_429(
    emu: Emulator,
    record: RequestRecord,
    retry_after: float,
    scope: str,
    bucket: BucketState | None,
    *,
    code: int | None = None,
    injected: bool = False,
    key: tuple[str, str] | None = None,
    watched: _Watched | None = None,
) -> web.Response:
    response = rate_limited_reply(retry_after, scope=scope, bucket=bucket, code=code)
    served = Served429(
        time=record.time,
        method=record.method,
        route=record.route,
        path=record.path,
        scope=scope,
        retry_after=ceil_ms(retry_after),
        bucket=bucket.bucket if bucket is not None else None,
        injected=injected,
    )
    emu.rate_limit_log.record_429(
        served, key=key, signature=watched.signature if watched is not None else ""
    )
    return response


def _finish(
    emu: Emulator, record: RequestRecord, response: web.Response, body: Any
) -> web.Response:
    record.status = response.status
    scope = response.headers.get("X-RateLimit-Scope")
    channel = _channel_id(record.path)
    counted = emu.rate_limit_log.count_status(
        response.status,
        scope,
        method=record.method,
        route=record.route,
        path=record.path,
        channel_id=channel,
    )
    if counted:
        emu.record_violation(
            "invalid_request_limit",
            f"{INVALID_REQUEST_BAN} invalid requests (401/403/429) within 10 minutes:"
            " Discord would ban this IP at Cloudflare",
            record.key,
            response.status,
        )
    record.response = body
    emu.changed()
    return response


_CHANNEL_PATH = re.compile(r"^/channels/(\d+)(?:/|$)")


def _channel_id(path: str) -> str | None:
    """The channel a request is about, when its path names one."""
    match = _CHANNEL_PATH.match(path)
    return match.group(1) if match else None


async def _unknown(request: web.Request) -> web.StreamResponse:
    emu = request.app[EMU_KEY]
    path = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
    body: Any = None
    try:
        body, _files = await parse_body(request)
    except (ApiError, ValueError):
        body = None
    record = RequestRecord(
        method=request.method,
        path=path,
        route="<unknown>",
        query=dict(request.query),
        json=body,
        time=emu.clock.now(),
    )
    emu.requests.append(record)
    log.warning(
        "fakediscord: UNKNOWN ROUTE %s %s (not emulated) -> 404", request.method, request.path
    )
    emu.record_violation(
        "unknown_route", f"{request.method} {request.path} is not emulated", "<unknown>", 404
    )
    data = {"message": "404: Not Found", "code": 0}
    return _finish(emu, record, json_reply(data, 404, {"Via": "1.1 google"}), data)


async def _attachment(request: web.Request) -> web.StreamResponse:
    emu = request.app[EMU_KEY]
    try:
        att_id = int(request.match_info["attachment_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    for msg in emu.world.messages.values():
        for att in msg.attachments:
            if att.id == att_id:
                return web.Response(
                    body=att.data, content_type=att.content_type or "application/octet-stream"
                )
    raise web.HTTPNotFound()


def build_app(emu: Emulator, tables: list[RouteTable]) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[EMU_KEY] = emu
    app.router.add_get("/", emu.hub.handle)
    app.router.add_get("/resume", emu.hub.handle)
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", _attachment)
    for table in tables:
        for spec in table.routes:
            app.router.add_route(spec.method, API_PREFIX + spec.template, _wrap(spec))
    app.router.add_route("*", "/{tail:.*}", _unknown)
    return app
