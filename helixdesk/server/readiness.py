"""Readiness: the app compiles the simulator's kernels at start-up and says when it is done.

The first reset in a fresh install compiles the numba kernels (a minute or two on 2 cores;
numba caches them on disk, so later starts take seconds). :func:`add_readiness` runs
:func:`helixdesk.warmup.warm_up` (or the given warm-up) in a daemon thread when the app
starts, so ``/health`` (liveness) answers at once, and serves ``GET /ready``: 503
``{"ready": false}`` until the warm-up has returned, 200 after. The container's
HEALTHCHECK polls ``/ready``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from helixdesk.server.bodies import Readiness
from helixdesk.warmup import warm_up


def add_readiness(app: FastAPI, warm: Callable[[], object] = warm_up) -> None:
    """``GET /ready``, and the start-up ``warm`` it reports on (in a daemon thread, so the
    app answers ``/health`` and ``/ready`` while the kernels compile)."""
    warmed = threading.Event()

    def start_warm_up() -> None:
        threading.Thread(
            target=_warm, args=(warm, warmed), name="helixdesk-warm-up", daemon=True
        ).start()

    app.router.on_startup.append(start_warm_up)

    @app.get(
        "/ready",
        tags=["Health"],
        summary="Readiness: 200 once the simulator's kernels are compiled, 503 before",
        response_model=Readiness,
        responses={503: {"description": "Still compiling", "model": Readiness}},
    )
    def ready() -> Readiness | JSONResponse:
        if warmed.is_set():
            return Readiness(ready=True, detail="kernels compiled; sessions start at once")
        waiting = Readiness(
            ready=False,
            detail="compiling the simulator's kernels (a minute or two on a fresh install)",
        )
        return JSONResponse(waiting.model_dump(), status_code=503)


def _warm(warm: Callable[[], object], warmed: threading.Event) -> None:
    warm()
    warmed.set()
