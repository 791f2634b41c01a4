"""In-memory sessions for stateful HTTP episodes.

Each session owns one environment and a lock, so concurrent requests on one session run one
after another while different sessions run in parallel. Ids are unguessable
(``secrets.token_urlsafe``). The store holds at most ``max_sessions`` (``StoreFull`` beyond
that) and forgets a session idle for ``ttl_s`` seconds: expired sessions are dropped lazily by
every ``open`` / ``get`` and by a background sweep, so abandoned episodes free their memory
even when no requests come. A session is closed under its lock, so a request already using
it finishes first, and one still waiting for it gets ``SessionNotFound``. Limits come from
the environment variables ``HELIXDESK_MAX_SESSIONS`` (default 64) and
``HELIXDESK_SESSION_TTL_S`` (default 600). Sessions live in this process's memory only: a
restart forgets them.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

MAX_SESSIONS_VAR = "HELIXDESK_MAX_SESSIONS"
TTL_VAR = "HELIXDESK_SESSION_TTL_S"
DEFAULT_MAX_SESSIONS = 64
DEFAULT_TTL_S = 600.0


class Closable(Protocol):
    def close(self) -> None: ...


E = TypeVar("E", bound=Closable)


class SessionNotFound(LookupError):
    """No open session has this id (never opened, expired or closed)."""


class StoreFull(RuntimeError):
    """Every session slot is taken."""


@dataclass(frozen=True)
class SessionLimits:
    """How many sessions may be open at once and how long an idle one lives."""

    max_sessions: int = DEFAULT_MAX_SESSIONS
    ttl_s: float = DEFAULT_TTL_S

    def __post_init__(self) -> None:
        if self.max_sessions < 1:
            raise ValueError(f"{MAX_SESSIONS_VAR} must be at least 1, got {self.max_sessions}")
        if not self.ttl_s > 0:
            raise ValueError(f"{TTL_VAR} must be positive, got {self.ttl_s}")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> SessionLimits:
        return cls(
            max_sessions=_parsed(environ, MAX_SESSIONS_VAR, int, DEFAULT_MAX_SESSIONS),
            ttl_s=_parsed(environ, TTL_VAR, float, DEFAULT_TTL_S),
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
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def open(self) -> Session[E]:
        """A new session with a fresh environment (``StoreFull`` at the cap)."""
        self._start_sweeper()
        self.sweep()
        with self._lock:
            if len(self._sessions) >= self.limits.max_sessions:
                raise StoreFull(
                    f"all {self.limits.max_sessions} sessions are in use; retry after one "
                    f"ends or expires ({self.limits.ttl_s:g} s idle)"
                )
            session = Session(secrets.token_urlsafe(24), self._factory(), self._clock())
            self._sessions[session.id] = session
            return session

    def get(self, session_id: str) -> Session[E]:
        """The live session ``session_id``, marked as used now (``SessionNotFound`` if none)."""
        self.sweep()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise self._not_found(session_id)
            session.last_used = self._clock()
            return session

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
            _close(session)

    def sweep(self) -> int:
        """Drop every expired session now; returns how many were dropped."""
        deadline = self._clock() - self.limits.ttl_s
        with self._lock:
            expired = [s for s in self._sessions.values() if s.last_used < deadline]
            for session in expired:
                del self._sessions[session.id]
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

    @staticmethod
    def _not_found(session_id: str) -> SessionNotFound:
        return SessionNotFound(
            f"unknown or expired session {session_id!r} (sessions live in the server's "
            "memory: a restart forgets them); POST /reset opens a new one"
        )

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
