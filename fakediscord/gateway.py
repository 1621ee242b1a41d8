"""Gateway websocket sessions: HELLO, heartbeats, IDENTIFY/READY, RESUME, dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from fakediscord import intents as I
from fakediscord import payloads
from fakediscord.sharding import MAX_GUILDS_PER_SHARD, Shard

if TYPE_CHECKING:
    from asyncio import Transport

    from fakediscord.host import Host

log = logging.getLogger("fakediscord.gateway")

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

JSON = dict[str, Any]

# Discord closes a connection that sends more than 120 frames in 60 s with 4008.
SEND_LIMIT = 120
SEND_WINDOW = 60.0
# ...and one that stops heartbeating: after the interval and this much grace, with 4009,
# its session gone (Discord's docs: "reconnect and start a new one").
HEARTBEAT_GRACE = 0.5  # as a share of the interval, at least MIN_HEARTBEAT_GRACE seconds
MIN_HEARTBEAT_GRACE = 5.0
# A client that closes with these codes ends its session: it cannot be resumed.
CLEAN_CLOSES = (1000, 1001)


@dataclass
class GatewayFrame:
    """One gateway frame, for assertions (``direction`` is ``"in"`` (from the bot) or ``"out"``)."""

    direction: str
    connection: int
    op: int | None
    t: str | None
    s: int | None
    time: float
    d: Any = None
    #: the shard of the connection's session when the frame passed (None: not identified)
    shard: Shard | None = None
    #: for a dispatch, the server it is about (its ``guild_id``; GUILD_CREATE/UPDATE/DELETE:
    #: ``id``), None for an event of no server
    guild_id: int | None = None


def _guild_of_event(t: str | None, d: Any) -> int | None:
    if not isinstance(d, dict):
        return None
    raw = d.get("id") if t in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else None
    raw = raw if raw is not None else d.get("guild_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class _Close:
    code: int | None
    message: str


@dataclass(frozen=True)
class GatewayClose:
    """How a connection ended: ``by`` is ``"server"`` (the emulator closed it) or
    ``"client"``; ``code`` is None for a dropped TCP connection."""

    connection: int
    code: int | None
    by: str
    reason: str


@dataclass(frozen=True)
class IdentifyRecord:
    """One IDENTIFY the gateway answered: ``accepted`` False when it came too soon after
    another of its bucket (``shard.id % max_concurrency``) and got op 9 instead of READY.
    ``time`` is ``time.monotonic()``: identify pacing is real time, whatever the clock."""

    connection: int
    shard: Shard
    bucket: int
    time: float
    accepted: bool


class GatewaySession:
    """A Discord gateway session: survives disconnects and can be RESUMEd."""

    def __init__(
        self, session_id: str, intents: int, shard: Shard, *, sent_shard: bool, number: int = 0
    ) -> None:
        self.session_id = session_id
        self.intents = intents
        #: the shard it identified with (``[0, 1]`` when it sent none)
        self.shard = shard
        #: whether IDENTIFY carried ``shard`` (READY echoes it only then, as Discord does)
        self.sent_shard = sent_shard
        #: the how-many-th IDENTIFY of the emulator made it (1 for the first)
        self.number = number
        self.seq = 0
        self.log: deque[JSON] = deque(maxlen=10_000)
        self.connection: GatewayConnection | None = None
        self.invalidated = False
        self.ready = False

    def push(self, event: str, data: JSON) -> int:
        self.seq += 1
        payload: JSON = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.log.append(payload)
        if self.connection is not None:
            self.connection.send(payload)
        return self.seq

    def has_intent(self, intent: int) -> bool:
        return bool(self.intents & intent)

    def carries(self, guild_id: int | None) -> bool:
        """Whether this session's shard gets the events of ``guild_id`` (None: a DM)."""
        return self.shard.carries(guild_id)


class GatewayConnection:
    _ids = itertools.count(1)

    def __init__(
        self, hub: GatewayHub, ws: web.WebSocketResponse, transport: Transport | None, path: str
    ) -> None:
        self.id = next(self._ids)
        self.hub = hub
        self.ws = ws
        self.transport = transport
        self.path = path
        self.zlib: Any = None
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[JSON | _Close | None] = asyncio.Queue()
        self.closing = False
        self.closed_by_server: _Close | None = None
        # A zombie: the TCP connection stays open but Discord's side stopped answering.
        # Nothing reaches the client (events wait in the session's log for a RESUME).
        self.zombie = False
        self.last_heartbeat = time.monotonic()
        self.frames_in: deque[float] = deque()
        self.writer = asyncio.create_task(self._write())

    def send(self, payload: JSON) -> None:
        if not self.closing and not self.zombie:
            self.queue.put_nowait(payload)

    def close(self, code: int | None, message: str = "") -> None:
        """Close after everything queued so far has been sent."""
        if not self.closing:
            self.closing = True
            self.closed_by_server = _Close(code, message)
            self.queue.put_nowait(_Close(code, message))

    def over_send_limit(self) -> bool:
        """Count a frame from the client; True once it sent too many in the window."""
        now = time.monotonic()
        self.frames_in.append(now)
        while self.frames_in and now - self.frames_in[0] > SEND_WINDOW:
            self.frames_in.popleft()
        return len(self.frames_in) > SEND_LIMIT

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees 1006)."""
        self.closing = True
        if self.closed_by_server is None:
            self.closed_by_server = _Close(None, "Connection dropped.")
        if self.transport is not None:
            self.transport.abort()
        self.queue.put_nowait(None)

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            try:
                if isinstance(item, _Close):
                    if item.code is None:
                        if self.transport is not None:
                            self.transport.abort()
                    else:
                        await self.ws.close(code=item.code, message=item.message.encode())
                    return
                text = json.dumps(item, separators=(",", ":"))
                if self.zlib is not None:
                    data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
                self.hub.record("out", self, item)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway connection %s write failed: %s", self.id, exc)
                return


class GatewayHub:
    def __init__(self, emu: Host) -> None:
        self.emu = emu
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.frames: deque[GatewayFrame] = deque(maxlen=20_000)
        self.identify_count = 0
        self.resume_count = 0
        self.ready_count = 0
        self.closes: list[GatewayClose] = []
        self.min_heartbeat_grace = MIN_HEARTBEAT_GRACE  # seconds; tests shorten it
        # Sharding (see `fakediscord.sharding`): GET /gateway/bot's `shards` and
        # `max_concurrency`; identify pacing (None: not enforced, since test bots skip
        # discord.py's 5 s wait between identifies); Discord's 2,500 servers per shard.
        self.recommended_shards = 1
        self.max_concurrency = 1
        self.identify_window: float | None = None
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.identifies: list[IdentifyRecord] = []
        self.session_start_total = 1000
        self._last_identify: dict[int, float] = {}

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, direction: str, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        d = payload.get("d")
        t = payload.get("t")
        if op == OP_IDENTIFY and isinstance(d, dict):
            d = {**d, "token": "<redacted>"}
        self.frames.append(
            GatewayFrame(
                direction=direction,
                connection=conn.id,
                op=op,
                t=t,
                s=payload.get("s"),
                time=self.emu.clock.now(),
                d=d if op != OP_DISPATCH else None,
                shard=conn.session.shard if conn.session is not None else None,
                guild_id=_guild_of_event(t, d) if op == OP_DISPATCH else None,
            )
        )
        self.emu.changed()

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.invalidated]

    def connected_sessions(self) -> list[GatewaySession]:
        return [s for s in self.live_sessions() if s.connection is not None and s.ready]

    def dispatch(
        self,
        event: str,
        build: Callable[[GatewaySession], JSON | None],
        *,
        guild_id: int | None,
        intent: int | None = None,
    ) -> int:
        """Send ``event`` to every live session whose shard carries ``guild_id`` (None:
        an event of no server, shard 0 only), buffered for disconnected ones.

        Returns the number of sessions the event was queued for.
        """
        count = 0
        for session in self.live_sessions():
            if intent is not None and not session.has_intent(intent):
                continue
            if not session.carries(guild_id):
                continue
            data = build(session)
            if data is None:
                continue
            session.push(event, data)
            count += 1
        return count

    # -- websocket handler -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        try:
            await ws.prepare(request)
        except ConnectionError:  # the client left before the handshake was answered
            log.info("gateway client left during the websocket handshake")
            return ws
        conn = GatewayConnection(self, ws, request.transport, request.path)
        self.connections.append(conn)
        encoding = request.query.get("encoding", "json")
        compress = request.query.get("compress")
        if compress == "zlib-stream" and self.emu.compression:
            conn.zlib = zlib.compressobj()
        log.info(
            "gateway connection %s opened on %s (v=%s encoding=%s compress=%s)",
            conn.id,
            request.path,
            request.query.get("v"),
            encoding,
            compress,
        )
        watchdog = asyncio.create_task(self._watch_heartbeats(conn))
        if encoding != "json":
            conn.close(4002, "Only encoding=json is emulated.")
        else:
            conn.send(
                {
                    "op": OP_HELLO,
                    "s": None,
                    "t": None,
                    "d": {
                        "heartbeat_interval": self.emu.heartbeat_interval_ms,
                        "_trace": ["fakediscord-gateway"],
                    },
                }
            )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    raw = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data.decode("utf-8", "replace")
                else:
                    break
                try:
                    payload = json.loads(raw)
                    if not isinstance(payload, dict):
                        raise ValueError("payload is not an object")
                except ValueError:
                    conn.close(4002, "Error while decoding payload.")
                    break
                self.record("in", conn, payload)
                if conn.over_send_limit():
                    conn.close(4008, "Rate limited.")
                    break
                await self._on_frame(conn, payload)
                if conn.closing:
                    break
        finally:
            watchdog.cancel()
            await self._detach(conn)
        return ws

    def heartbeat_deadline(self) -> float:
        """Seconds without a heartbeat after which a connection is closed."""
        interval = self.emu.heartbeat_interval_ms / 1000
        return interval + max(interval * HEARTBEAT_GRACE, self.min_heartbeat_grace)

    async def _watch_heartbeats(self, conn: GatewayConnection) -> None:
        while not conn.closing:
            deadline = self.heartbeat_deadline()
            silent = time.monotonic() - conn.last_heartbeat
            if silent > deadline:
                log.info("gateway connection %s sent no heartbeat for %.1fs", conn.id, silent)
                if conn.session is not None:
                    conn.session.invalidated = True
                conn.close(4009, "Session timed out.")
                return
            await asyncio.sleep(min(1.0, deadline - silent + 0.01))

    async def _detach(self, conn: GatewayConnection) -> None:
        session = conn.session
        if session is not None and session.connection is conn:
            session.connection = None
        self.closes.append(self._how_it_closed(conn))
        if (
            session is not None
            and conn.closed_by_server is None
            and conn.ws.close_code in CLEAN_CLOSES
        ):
            # The client said goodbye: Discord ends the session, and a RESUME of it fails.
            session.invalidated = True
        conn.closing = True
        conn.queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(conn.writer, timeout=2)
        if conn in self.connections:
            self.connections.remove(conn)
        log.info("gateway connection %s closed (code=%s)", conn.id, conn.ws.close_code)
        self.emu.changed()

    @staticmethod
    def _how_it_closed(conn: GatewayConnection) -> GatewayClose:
        if conn.closed_by_server is not None:
            ended = conn.closed_by_server
            return GatewayClose(conn.id, ended.code, "server", ended.message)
        return GatewayClose(conn.id, conn.ws.close_code, "client", "")

    async def _on_frame(self, conn: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            conn.last_heartbeat = time.monotonic()
            conn.send({"op": OP_HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == OP_IDENTIFY:
            self._identify(conn, data if isinstance(data, dict) else {})
        elif op == OP_RESUME:
            self._resume(conn, data if isinstance(data, dict) else {})
        elif conn.session is None:
            conn.close(4003, "Not authenticated.")
        elif op == OP_REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, data if isinstance(data, dict) else {})
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass
        else:
            conn.close(4001, "Unknown opcode.")

    def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        if conn.session is not None:
            conn.close(4005, "Already authenticated.")
            return
        if not self.emu.token_valid(data.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        if "intents" not in data:
            conn.close(4013, "Invalid intent(s).")
            return
        intents = int(data["intents"])
        app = self.emu.application
        allowed = {
            I.GUILD_MEMBERS: app.members_allowed,
            I.GUILD_PRESENCES: app.presences_allowed,
            I.MESSAGE_CONTENT: app.message_content_allowed,
        }
        for bit, ok in allowed.items():
            if intents & bit and not ok:
                conn.close(4014, "Disallowed intent(s).")
                return
        shard = Shard.parse(data.get("shard"))
        if shard is None:
            conn.close(4010, "Invalid shard.")
            return
        if not self._identify_allowed(conn, shard):
            # Discord's answer to an identify over max_concurrency: op 9, not resumable.
            conn.send({"op": OP_INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        emu = self.emu
        guilds = [g for g in emu.world.guilds_of(emu.bot) if shard.carries(g.id)]
        if len(guilds) > self.max_guilds_per_shard:
            conn.close(4011, "Sharding required.")
            return
        # A fresh IDENTIFY supersedes the sessions of its shard nobody is connected to any
        # more (a crashed process's, say); other shards' sessions, perhaps another
        # process's between a drop and its RESUME, are left alone.
        for old_id, old in list(self.sessions.items()):
            if old.shard == shard and (old.connection is None or old.invalidated):
                del self.sessions[old_id]
        self.identify_count += 1
        session = GatewaySession(
            secrets.token_hex(16),
            intents,
            shard,
            sent_shard=data.get("shard") is not None,
            number=self.identify_count,
        )
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        ready: JSON = {
            "v": 10,
            "user": payloads.current_user(emu.bot),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": emu.resume_gateway_url,
            "application": {"id": str(app.id), "flags": app.flags},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "_trace": ["fakediscord-gateway"],
        }
        if session.sent_shard:
            ready["shard"] = [shard.id, shard.count]
        session.push("READY", ready)
        include_members = session.has_intent(I.GUILD_MEMBERS)
        for guild in guilds:
            if session.has_intent(I.GUILDS):
                session.push(
                    "GUILD_CREATE",
                    payloads.guild_create(guild, bot=emu.bot, include_all_members=include_members),
                )
        session.ready = True
        self.ready_count += 1
        log.info(
            "gateway session %s identified (intents=%s, shard %s)",
            session.session_id,
            intents,
            shard,
        )
        emu.changed()

    def _identify_allowed(self, conn: GatewayConnection, shard: Shard) -> bool:
        """Count an IDENTIFY against its bucket: False when the bucket already started a
        session within `identify_window` seconds (when that is enforced)."""
        bucket = shard.bucket(self.max_concurrency)
        now = time.monotonic()
        last = self._last_identify.get(bucket)
        window = self.identify_window
        accepted = window is None or last is None or now - last >= window
        if accepted:
            self._last_identify[bucket] = now
        else:
            log.info("gateway connection %s identified too soon for bucket %s", conn.id, bucket)
        self.identifies.append(IdentifyRecord(conn.id, shard, bucket, now, accepted))
        return accepted

    def session_start_remaining(self) -> int:
        """``session_start_limit.remaining``: Discord's 1,000 a day, less each IDENTIFY
        that started a session."""
        return max(0, self.session_start_total - self.identify_count)

    def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        if conn.session is not None:
            conn.close(4005, "Already authenticated.")
            return
        if not self.emu.token_valid(data.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated:
            conn.send({"op": OP_INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        seq = data.get("seq")
        last = int(seq) if seq is not None else 0
        if session.log and session.log[0]["s"] > last + 1:
            # the events the client missed are no longer buffered
            conn.send({"op": OP_INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        old = session.connection
        if old is not None and old is not conn:
            old.session = None
            old.close(4000, "Session resumed elsewhere.")
        session.connection = conn
        conn.session = session
        for payload in list(session.log):
            if payload["s"] > last:
                conn.send(payload)
        session.push("RESUMED", {"_trace": ["fakediscord-gateway"]})
        self.resume_count += 1
        log.info("gateway session %s resumed from seq %s", session.session_id, last)
        self.emu.changed()

    def _request_members(self, session: GatewaySession, data: JSON) -> None:
        guild = self.emu.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or not session.carries(guild.id):
            # another shard's server: its members come only on that shard (an assumption;
            # Discord does not document the answer)
            return
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        user_ids = {int(u) for u in data.get("user_ids") or []}
        members = [
            m
            for m in guild.members.values()
            if (not user_ids or m.user.id in user_ids)
            and (not query or m.user.name.lower().startswith(query))
        ]
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids if u not in guild.members],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        session.push("GUILD_MEMBERS_CHUNK", chunk)

    # -- faults ------------------------------------------------------------------------------

    def active_connections(self) -> list[GatewayConnection]:
        return [c for c in self.connections if not c.closing]

    def drop(self, code: int | None = None) -> int:
        conns = self.active_connections()
        for conn in conns:
            if code is None:
                conn.abort()
            else:
                conn.close(code, "Dropped by fakediscord.")
        return len(conns)

    def zombify(self) -> int:
        """Stop answering on every open connection, TCP left open: no heartbeat ACKs and no
        events (they wait in the session's log). The client has to notice and RESUME."""
        conns = [c for c in self.active_connections() if not c.zombie]
        for conn in conns:
            conn.zombie = True
        return len(conns)

    def send_op(self, op: int, data: Any = None) -> int:
        conns = [c for c in self.active_connections() if c.session is not None]
        for conn in conns:
            conn.send({"op": op, "s": None, "t": None, "d": data})
        return len(conns)

    def invalidate(self, resumable: bool = False) -> int:
        count = self.send_op(OP_INVALID_SESSION, resumable)
        if not resumable:
            for session in self.live_sessions():
                if session.connection is not None:
                    session.invalidated = True
        return count

    async def close_all(self) -> None:
        for conn in list(self.connections):
            conn.close(1001, "Emulator shutting down.")
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.writer, timeout=2)
