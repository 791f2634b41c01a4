"""In-memory sessions for stateful HTTP episodes.

Each session owns one environment and a lock, so concurrent requests on one session run one
after another while different sessions run in parallel. Ids are unguessable
(``secrets.token_urlsafe``). Sessions live in this process's memory only: a restart forgets
them. The limits come from environment variables:

* ``HELIXDESK_SESSION_TTL_S`` (default 600): a session with no request for that long
  expires. Expired sessions are dropped lazily by every ``open`` / ``get`` and by a
  background sweep, so abandoned episodes free their memory even when no requests come.
* ``HELIXDESK_MAX_SESSIONS`` (default 64) open at once. When the store is full, ``open``
  evicts the least recently used session idle for at least ``HELIXDESK_EVICT_IDLE_S``
  (default 60) seconds, so clients that vanished without ``/close`` never lock new ones
  out; only when every session was used within that time is the store full
  (``StoreFull``).

A session is closed under its lock, so a request already using it finishes first, and one
still waiting for it gets ``SessionNotFound``. The store remembers how the last
``REMEMBERED_ENDS`` sessions ended, so a request naming one hears that it expired, was
evicted or was closed, not just that its id is unknown.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

MAX_SESSIONS_VAR = "HELIXDESK_MAX_SESSIONS"
TTL_VAR = "HELIXDESK_SESSION_TTL_S"
EVICT_IDLE_VAR = "HELIXDESK_EVICT_IDLE_S"
DEFAULT_MAX_SESSIONS = 64
DEFAULT_TTL_S = 600.0
DEFAULT_EVICT_IDLE_S = 60.0
REMEMBERED_ENDS = 4096


class Closable(Protocol):
    def close(self) -> None: ...


E = TypeVar("E", bound=Closable)


class SessionNotFound(LookupError):
    """No open session has this id (never opened, expired or closed)."""


class StoreFull(RuntimeError):
    """Every session slot is taken."""


@dataclass(frozen=True)
class SessionLimits:
    """How many sessions may be open at once, how long an idle one lives, and how long one
    must have been idle before a full store may evict it."""

    max_sessions: int = DEFAULT_MAX_SESSIONS
    ttl_s: float = DEFAULT_TTL_S
    evict_idle_s: float = DEFAULT_EVICT_IDLE_S

    def __post_init__(self) -> None:
        if self.max_sessions < 1:
            raise ValueError(f"{MAX_SESSIONS_VAR} must be at least 1, got {self.max_sessions}")
        if not self.ttl_s > 0:
            raise ValueError(f"{TTL_VAR} must be positive, got {self.ttl_s}")
        if not self.evict_idle_s >= 0:
            raise ValueError(f"{EVICT_IDLE_VAR} must be 0 or more, got {self.evict_idle_s}")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> SessionLimits:
        return cls(
            max_sessions=_parsed(environ, MAX_SESSIONS_VAR, int, DEFAULT_MAX_SESSIONS),
            ttl_s=_parsed(environ, TTL_VAR, float, DEFAULT_TTL_S),
            evict_idle_s=_parsed(environ, EVICT_IDLE_VAR, float, DEFAULT_EVICT_IDLE_S),
        )


N = TypeVar("N", int, float)


def _parsed(environ: Mapping[str, str], name: str, kind: Callable[[str], N], default: N) -> N:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass
class Session(Generic[E]):
    """One open episode: its id, environment, lock and last use (monotonic seconds)."""

    id: str
    env: E
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False


class SessionStore(Generic[E]):
    """Thread-safe map of session id to :class:`Session` with a cap and idle expiry."""

    def __init__(
        self,
        factory: Callable[[], E],
        limits: SessionLimits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self.limits = limits
        self._clock = clock
        self._sessions: dict[str, Session[E]] = {}
        self._ends: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def open(self) -> Session[E]:
        """A new session with a fresh environment; at the cap, the least recently used
        evictable session makes room (``StoreFull`` if none is)."""
        self._start_sweeper()
        self.sweep()
        evicted = None
        with self._lock:
            if len(self._sessions) >= self.limits.max_sessions:
                evicted = self._evict()
            session = Session(secrets.token_urlsafe(24), self._factory(), self._clock())
            self._sessions[session.id] = session
        if evicted is not None:
            _close(evicted)
        return session

    def _evict(self) -> Session[E]:
        """Forget the least recently used session idle for ``evict_idle_s`` and not in use
        (the caller holds the store's lock and closes it)."""
        idle_since = self._clock() - self.limits.evict_idle_s
        evictable = [
            s for s in self._sessions.values() if s.last_used <= idle_since and not s.lock.locked()
        ]
        if not evictable:
            raise StoreFull(
                f"all {self.limits.max_sessions} sessions were used in the last "
                f"{self.limits.evict_idle_s:g} s; retry after one ends or has been idle that long"
            )
        victim = min(evictable, key=lambda s: s.last_used)
        del self._sessions[victim.id]
        self._remember_end(
            victim.id,
            f"was evicted: the server was full and it was the least recently used session, "
            f"idle for over {self.limits.evict_idle_s:g} s ({EVICT_IDLE_VAR})",
        )
        return victim

    def get(self, session_id: str) -> Session[E]:
        """The live session ``session_id``, marked as used now (``SessionNotFound`` if none)."""
        self.sweep()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                session.last_used = self._clock()
                return session
        raise self._not_found(session_id)

    @contextmanager
    def use(self, session_id: str) -> Iterator[E]:
        """The session's environment, held under the session's lock."""
        session = self.get(session_id)
        with session.lock:
            if session.closed:
                raise self._not_found(session_id)
            yield session.env
            session.last_used = self._clock()

    @contextmanager
    def use_now(self, session_id: str) -> Iterator[E | None]:
        """Like :meth:`use`, but yields None at once when another request holds the session
        (for callers on an event loop, which must not wait for a lock)."""
        session = self.get(session_id)
        if not session.lock.acquire(blocking=False):
            yield None
            return
        try:
            if session.closed:
                raise self._not_found(session_id)
            yield session.env
            session.last_used = self._clock()
        finally:
            session.lock.release()

    def discard(self, session_id: str) -> None:
        """Close and forget a session (no error if it is already gone)."""
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is not None:
                self._remember_end(session_id, "was closed")
        if session is not None:
            _close(session)

    def sweep(self) -> int:
        """Drop every expired session now; returns how many were dropped."""
        deadline = self._clock() - self.limits.ttl_s
        with self._lock:
            expired = [s for s in self._sessions.values() if s.last_used < deadline]
            for session in expired:
                del self._sessions[session.id]
                self._remember_end(
                    session.id,
                    f"expired: no request for over {self.limits.ttl_s:g} s ({TTL_VAR})",
                )
        for session in expired:
            _close(session)
        return len(expired)

    def close(self) -> None:
        """Stop the background sweep and close every session."""
        self._stop.set()
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            _close(session)

    def _remember_end(self, session_id: str, how: str) -> None:
        """Note how a session ended (the caller holds the store's lock)."""
        self._ends[session_id] = how
        if len(self._ends) > REMEMBERED_ENDS:
            self._ends.popitem(last=False)

    def _not_found(self, session_id: str) -> SessionNotFound:
        """The error for a session that is not open (the caller must not hold the lock)."""
        with self._lock:
            how = self._ends.get(session_id)
        if how is None:
            return SessionNotFound(
                f"unknown session {session_id!r} (sessions live in the server's memory: a "
                "restart forgets them); POST /reset opens a new one"
            )
        return SessionNotFound(f"session {session_id!r} {how}; POST /reset opens a new one")

    def _start_sweeper(self) -> None:
        with self._lock:
            if self._sweeper is not None:
                return
            self._sweeper = threading.Thread(
                target=self._sweep_until_closed, name="helixdesk-session-sweep", daemon=True
            )
        self._sweeper.start()

    def _sweep_until_closed(self) -> None:
        interval = min(max(self.limits.ttl_s / 4, 0.05), 60.0)
        while not self._stop.wait(interval):
            self.sweep()


def _close(session: Session[E]) -> None:
    """Close the session's environment once no request is using it."""
    with session.lock:
        session.closed = True
        session.env.close()
