"""Per-session conversation state, bounded in sessions, turns and age.

The copilot keeps only what a follow-up question needs (language, the last period and tool) and a
short transcript; the least recently used session is dropped past ``max_sessions``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

MAX_SESSIONS = 1000
MAX_TURNS = 20
TTL_S = 3600.0


@dataclass
class Session:
    session_id: str
    language: str | None = None
    last_tool: str | None = None
    last_period: tuple[dt.date, dt.date] | None = None
    last_arguments: dict[str, Any] | None = None
    turns: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_TURNS))
    touched: float = field(default_factory=time.monotonic)


class SessionStore:
    """Thread-safe LRU of sessions; ids are server-made UUIDs or the client's own (at most 64 chars)."""

    def __init__(
        self, max_sessions: int = MAX_SESSIONS, max_turns: int = MAX_TURNS, ttl_s: float = TTL_S
    ) -> None:
        self.max_sessions = max_sessions
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str | None) -> Session:
        now = time.monotonic()
        with self._lock:
            for sid in [s for s, v in self._sessions.items() if now - v.touched > self.ttl_s]:
                del self._sessions[sid]
            if session_id and session_id in self._sessions:
                session = self._sessions[session_id]
                self._sessions.move_to_end(session_id)
            else:
                sid = session_id or uuid.uuid4().hex
                session = Session(sid, turns=deque(maxlen=self.max_turns))
                self._sessions[sid] = session
                while len(self._sessions) > self.max_sessions:
                    self._sessions.popitem(last=False)
            session.touched = now
            return session
