"""The per-route table: which bucket a request lands in, and the bucket counting itself."""

from __future__ import annotations

import time

from fakediscord.limiter import INVALID_REQUEST_BAN, Buckets, GlobalLimiter, RateLimitLog
from fakediscord.rate_limits import (
    DISCORD_ROUTE_LIMITS,
    RouteLimit,
    RouteLimits,
    major_parameter,
)
from fakediscord.snowflakes import DISCORD_EPOCH_MS

MESSAGE = "/channels/{channel_id}/messages/{message_id}"
REACTION = MESSAGE + "/reactions/{emoji}"


def snowflake_at(epoch_seconds: float) -> str:
    return str((int(epoch_seconds * 1000) - DISCORD_EPOCH_MS) << 22)


def test_major_parameter_is_channel_guild_or_webhook() -> None:
    assert major_parameter({"channel_id": "1", "message_id": "2"}) == "1"
    assert major_parameter({"guild_id": "3", "user_id": "4"}) == "3"
    assert major_parameter({"webhook_id": "5", "webhook_token": "t"}) == "5+t"
    assert major_parameter({"user_id": "6"}) == ""


def test_sending_is_five_per_five_seconds() -> None:
    send = RouteLimits().limit_for("POST", "/channels/{channel_id}/messages", {}, time.time())
    assert send is not None and (send.limit, send.per) == (5, 5.0)


def test_reaction_routes_share_a_bucket_hash_and_other_routes_do_not() -> None:
    hashes = {
        key: limit.bucket_hash for key, limit in DISCORD_ROUTE_LIMITS.items() if "reactions" in key
    }
    assert len(hashes) == 3 and len(set(hashes.values())) == 1
    send = DISCORD_ROUTE_LIMITS["POST /channels/{channel_id}/messages"]
    edit = DISCORD_ROUTE_LIMITS[f"PATCH {MESSAGE}"]
    assert send.bucket_hash != edit.bucket_hash
    assert len(send.bucket_hash) == 32 and int(send.bucket_hash, 16) >= 0


def test_unlisted_routes_get_their_own_default_bucket() -> None:
    limits = RouteLimits()
    me = limits.limit_for("GET", "/users/@me", {}, time.time())
    gateway = limits.limit_for("GET", "/gateway/bot", {}, time.time())
    assert me is not None and gateway is not None
    assert (me.limit, me.per) == (gateway.limit, gateway.per)
    assert me.bucket_hash != gateway.bucket_hash


def test_deleting_a_message_is_bucketed_by_its_age() -> None:
    now = time.time()
    limits = RouteLimits()

    def bucket(age: float) -> RouteLimit:
        params = {"channel_id": "1", "message_id": snowflake_at(now - age)}
        found = limits.limit_for("DELETE", MESSAGE, params, now)
        assert found is not None
        return found

    fresh, settled, old = bucket(2), bucket(3600), bucket(15 * 24 * 3600)
    assert len({fresh.bucket_hash, settled.bucket_hash, old.bucket_hash}) == 3
    assert (fresh.limit, fresh.per) == (5, 1.0)
    assert (old.limit, old.per) == (30, 4.0)


def test_overrides_win_over_the_table_and_uniform() -> None:
    limits = RouteLimits(uniform=(100, 1.0), overrides={"GET /users/@me": None})
    assert limits.limit_for("GET", "/users/@me", {}, 0.0) is None
    uniform = limits.limit_for("POST", "/channels/{channel_id}/messages", {}, 0.0)
    assert uniform is not None and (uniform.limit, uniform.per) == (100, 1.0)
    limits.override("GET /users/@me", (2, 3.0))
    overridden = limits.limit_for("GET", "/users/@me", {}, 0.0)
    assert overridden is not None and (overridden.limit, overridden.per) == (2, 3.0)


def test_a_bucket_counts_down_and_refuses_once_empty() -> None:
    buckets = Buckets()
    route = RouteLimit("test", 2, 60.0)
    states = [buckets.hit(route, "1") for _ in range(3)]
    assert [s.remaining for s in states] == [1, 0, 0]
    assert [s.exceeded for s in states] == [False, False, True]
    assert buckets.hit(route, "2").remaining == 1  # another channel, another counter
    peek = buckets.hit(route, "2", count=False)
    assert peek.remaining == 1 and not peek.exceeded


def test_a_bucket_opens_a_new_window_after_per_seconds() -> None:
    buckets = Buckets()
    route = RouteLimit("short", 1, 0.05)
    assert not buckets.hit(route, "").exceeded
    assert buckets.hit(route, "").exceeded
    time.sleep(0.06)
    assert not buckets.hit(route, "").exceeded


def test_global_limiter_off_with_none() -> None:
    limiter = GlobalLimiter(None)
    assert all(limiter.hit() is None for _ in range(500))
    limiter.per_second = 2
    assert [limiter.hit() is None for _ in range(3)] == [True, True, False]


def test_invalid_requests_count_401_403_and_non_shared_429() -> None:
    log = RateLimitLog()
    for status, scope in [(200, None), (401, None), (403, None), (404, None)]:
        log.count_status(status, scope)
    log.count_status(429, "user")
    log.count_status(429, "global")
    log.count_status(429, "shared")
    assert log.invalid_requests() == 4 and log.invalid_total == 4


def test_the_ten_thousandth_invalid_request_reaches_the_ban_threshold() -> None:
    log = RateLimitLog()
    crossed = [log.count_status(401) for _ in range(INVALID_REQUEST_BAN)]
    assert crossed[-1] is True and not any(crossed[:-1])
