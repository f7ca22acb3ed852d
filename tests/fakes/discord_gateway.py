"""The fake Discord gateway: HELLO, IDENTIFY/RESUME, a sequenced event log, and drops on demand.

One bot session at a time. Every dispatch gets the next sequence number and stays in the
session's log, whether or not a socket is attached, so a RESUME replays exactly the events the
client did not see: that is what lets tests prove "delivered once after a reconnect". Frames are
JSON text (discord.py only inflates binary frames). Each socket has a single writer task, so
frames leave in the order they were queued even though injections are synchronous calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from tests.fakes.discord_records import JSON

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 8, 9, 10, 11
HEARTBEAT_INTERVAL_MS = 45_000

Events = list[tuple[str, JSON]]


class _Connection:
    """One websocket and the task that writes its frames in order."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._pending = 0
        self._writer = asyncio.create_task(self._write())

    @property
    def idle(self) -> bool:
        """Everything queued so far has been handed to the socket."""
        return self._pending == 0

    def send(self, frame: str | JSON) -> None:
        self._pending += 1
        self._queue.put_nowait(frame if isinstance(frame, str) else json.dumps(frame))

    async def _write(self) -> None:
        while True:
            frame = await self._queue.get()
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return  # the client went away; the session log still has the frame
            self._pending -= 1

    def stop(self) -> None:
        """Stop writing; frames not yet written stay in the session log for a RESUME."""
        self._writer.cancel()

    async def close(self, code: int, reason: str) -> None:
        self.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        await self.ws.close(code=code, message=reason.encode())


@dataclass(slots=True)
class _Session:
    id: str
    intents: int
    frames: list[str] = field(default_factory=list)  # dispatch n has sequence n + 1
    conn: _Connection | None = None


class Gateway:
    """The websocket side of the fake; the REST side builds the events it sends."""

    def __init__(
        self,
        token: str,
        *,
        privileged_intents: int,
        privileged_mask: int,
        on_identify: Callable[[str, int], Events],
        on_request_members: Callable[[JSON], Events],
    ) -> None:
        self._token = token
        self._privileged_intents = privileged_intents
        self._privileged_mask = privileged_mask
        self._on_identify = on_identify
        self._on_request_members = on_request_members
        self._session: _Session | None = None
        self._connections: set[_Connection] = set()
        self.connects = 0
        self.identify_count = 0
        self.resume_count = 0

    @property
    def intents(self) -> int | None:
        """The intents of the current session's IDENTIFY (None before the first one)."""
        return None if self._session is None else self._session.intents

    @property
    def has_session(self) -> bool:
        return self._session is not None

    @property
    def connected(self) -> bool:
        return self._session is not None and self._session.conn is not None

    def ready(self) -> bool:
        """A socket is attached and every event so far has been written to it."""
        return self.connected and self._session.conn.idle  # type: ignore[union-attr]

    def dispatch(self, event: str, data: JSON) -> int:
        """Log an event with the next sequence number and send it if a socket is attached."""
        session = self._session
        if session is None:
            raise RuntimeError("the bot has not identified yet: await fake.wait_until_ready()")
        seq = len(session.frames) + 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": seq, "d": data})
        session.frames.append(frame)
        if session.conn is not None:
            session.conn.send(frame)
        return seq

    async def drop(self, code: int = 4000) -> None:
        """Close the server side of the current socket; events after this wait for a RESUME."""
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("no gateway connection to drop")
        conn, session.conn = session.conn, None
        await conn.close(code, "dropped by the test")

    async def close(self) -> None:
        for conn in list(self._connections):
            await conn.close(1001, "fake Discord is shutting down")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        self.connects += 1
        conn = _Connection(ws)
        self._connections.add(conn)
        conn.send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})  # fmt: skip
        try:
            await self._serve(conn)
        finally:
            self._connections.discard(conn)
            if self._session is not None and self._session.conn is conn:
                self._session.conn = None
            conn.stop()
        return ws

    async def _serve(self, conn: _Connection) -> None:
        identified = False
        async for message in conn.ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                payload = json.loads(message.data)
                op, data = payload["op"], payload.get("d")
            except (ValueError, KeyError, TypeError):
                return await conn.close(4002, "Error while decoding payload.")
            if op == HEARTBEAT:
                conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            elif op in (IDENTIFY, RESUME):
                if identified:
                    return await conn.close(4005, "Already authenticated.")
                if not hmac.compare_digest(str(data.get("token", "")), self._token):
                    return await conn.close(4004, "Authentication failed.")
                if op == IDENTIFY:
                    intents = int(data.get("intents", 0))
                    if intents & self._privileged_mask & ~self._privileged_intents:
                        return await conn.close(4014, "Disallowed intent(s).")
                    self._identify(conn, intents)
                    identified = True
                else:
                    identified = self._resume(conn, data)
            elif not identified:
                return await conn.close(4003, "Not authenticated.")
            elif op == REQUEST_MEMBERS:
                for event, event_data in self._on_request_members(data):
                    self.dispatch(event, event_data)
            elif op not in (PRESENCE, VOICE_STATE):
                return await conn.close(4001, "Unknown opcode.")

    def _identify(self, conn: _Connection, intents: int) -> None:
        """A new session: a fresh log, READY and one GUILD_CREATE per guild."""
        self.identify_count += 1
        self._session = _Session(id=uuid.uuid4().hex, intents=intents, conn=conn)
        for event, data in self._on_identify(self._session.id, intents):
            self.dispatch(event, data)

    def _resume(self, conn: _Connection, data: JSON) -> bool:
        """Replay what came after ``seq``, then RESUMED; an unknown session is invalidated."""
        session = self._session
        seq = data.get("seq") or 0
        if session is None or data.get("session_id") != session.id or seq > len(session.frames):
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return False
        self.resume_count += 1
        for frame in session.frames[seq:]:
            conn.send(frame)
        conn.send({"op": DISPATCH, "t": "RESUMED", "s": None, "d": {}})
        session.conn = conn  # synchronous with the replay: no event can slip in between
        return True
