"""Load test of the HelixDesk server: concurrent WebSocket and HTTP sessions, checked for isolation.

Usage::

    python bench/load.py                                   # 64 WS + 64 HTTP sessions, 20 s
    python bench/load.py --ws 4 --http 4 --seconds 3 --single-seconds 1 --json out.json
    python bench/load.py --view vector                     # sessions reset with view=vector
    python bench/load.py --ceiling                         # and the machine's ceiling

Starts the server (uvicorn, one worker, options as in the container) in a subprocess on a
free loopback port, and talks to nothing else. Two phases, each bounded in time:

1. **single**: one WebSocket session (on websockets' blocking client, the leanest) steps as
   fast as it can (``--single-seconds``), once with the full observation (desk view and
   text) and once with ``view=vector``;
2. **concurrent**: ``--ws`` WebSocket sessions (openenv's ``/ws``) and ``--http`` HTTP
   sessions (``POST /reset``, ``/step``, ``/close``) at once, for ``--seconds``. With
   ``--think-ms`` each session pauses that long between steps, as an agent that thinks would;
   with 0 (the default) every session steps back to back, which measures the server saturated.
   Sessions reset with ``--view`` (``full`` by default, as LLM agents play; ``vector`` as an
   RL client that reads only the Gymnasium vector would).

Each session plays full episodes of its own task (none, easy, medium, hard, expert in turn)
with its own seeds and a fixed action script, and folds every reply (observation, reward,
done) into one digest per episode. After the run every episode is replayed in process on
``HelixDeskEnvironment`` and must give the same digest: a session that saw another session's
state, or lost a step, would not. Reports steps/s, step latency (p50, p99), errors and
mismatches, and the CPU time the server and this client used; ``--json PATH`` writes the
same. Exits 1 on any error or mismatch.

``--ceiling`` then runs the same phases, with the same client, against
``bench/experiments/ceiling_app.py``: a bare ASGI app on the same uvicorn that parses each
request and answers with a fixed reply of a real one's size. No server can do less, so its
figures are the most this machine and this client allow, the yardstick for HelixDesk's (on a
2-core machine the client and the server share the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.sync.client import ClientConnection as BlockingConnection
from websockets.sync.client import connect as connect_blocking

from helixdesk.openenv_api import serialize_observation
from helixdesk.server.app import server_options
from helixdesk.server.environment import HelixDeskEnvironment
from helixdesk.spaces import CLASSIFICATIONS, PRIORITIES, SECONDARY_ACTIONS
from helixdesk.wire import HelixDeskAction

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
TASKS: tuple[str | None, ...] = (None, "easy", "medium", "hard", "expert")
PHASES = ("single", "single_vector", "concurrent")
HELIXDESK_APP = ("helixdesk.server.app:app",)
CEILING_APP = ("ceiling_app:app", "--app-dir", str(ROOT / "bench" / "experiments"))
SEEDS_PER_SESSION = 100_000
START_TIMEOUT_S = 180.0  # a fresh install compiles the kernels before /ready
REQUEST_TIMEOUT_S = 30.0

Reply = dict[str, Any]


class ServerError(RuntimeError):
    """The server answered with an error (status or error frame)."""


def action(step: int) -> dict[str, Any]:
    """The fixed action script: varied, valid for a team of five, names and codes mixed."""
    return {
        "classification": CLASSIFICATIONS[step % 3] if step % 2 else step % 3,
        "priority": PRIORITIES[(step // 3) % 4],
        "assignment": "no_assignment" if step % 7 == 6 else step % 5,
        "secondary": SECONDARY_ACTIONS[(step // 2) % 3],
    }


def canonical(reply: Reply) -> bytes:
    """One reply as bytes that do not depend on key order or formatting."""
    return json.dumps(reply, sort_keys=True, separators=(",", ":")).encode()


# -- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """One played episode (or its start, if the time ran out): enough to replay it."""

    task: str | None
    seed: int
    view: str
    steps: int
    digest: str


@dataclass
class SessionResult:
    kind: str
    latencies: list[float] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Transport:
    """One session's connection: ``reset`` and ``step`` return the reply's ``data``."""

    async def reset(self, task: str | None, seed: int, view: str) -> Reply:
        raise NotImplementedError

    async def step(self, act: dict[str, Any]) -> Reply:
        raise NotImplementedError


def observation_data(frame: str | bytes) -> Reply:
    """The ``data`` of a WebSocket observation frame; ServerError for any other frame."""
    answer = json.loads(frame)
    if answer.get("type") != "observation":
        raise ServerError(f"ws: {answer}")
    data: Reply = answer["data"]
    return data


class WebSocketMessages(Transport):
    """openenv's ``/ws`` messages; subclasses say how one is sent and its answer read."""

    async def _ask(self, message: dict[str, Any]) -> Reply:
        raise NotImplementedError

    async def reset(self, task: str | None, seed: int, view: str) -> Reply:
        data = {"seed": seed, "task": task, "view": view}
        return await self._ask({"type": "reset", "data": data})

    async def step(self, act: dict[str, Any]) -> Reply:
        return await self._ask({"type": "step", "data": act})


class WebSocketTransport(WebSocketMessages):
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def _ask(self, message: dict[str, Any]) -> Reply:
        await self.ws.send(json.dumps(message))
        return observation_data(await asyncio.wait_for(self.ws.recv(), REQUEST_TIMEOUT_S))


class BlockingWebSocketTransport(WebSocketMessages):
    """A WebSocket session on websockets' blocking client, for a session alone on its loop.

    With nothing else on the event loop, blocking calls cost the session nothing, and they
    skip the asyncio client's own work per message, which matters because the client shares
    the machine's cores with the server: against the do-nothing ceiling server
    (``view=vector``, 2-core machine) the asyncio client reached ~2,850 steps/s and this one
    3,100–3,350.
    """

    def __init__(self, ws: BlockingConnection) -> None:
        self.ws = ws

    async def _ask(self, message: dict[str, Any]) -> Reply:
        self.ws.send(json.dumps(message))
        return observation_data(self.ws.recv(REQUEST_TIMEOUT_S))


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client: JSON POSTs to the loopback server under test.

    httpx spent about 0.4 ms of CPU per request, which on a 2-core machine the client takes
    from the server it measures; uvicorn always answers with a ``Content-Length``.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> HttpConnection:
        host, port = url.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        payload = json.dumps(body).encode()
        head = f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
        self.writer.write(f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
        answer = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT_S)
        status_line, *headers = answer.decode("latin-1").split("\r\n")
        lengths = [h.split(":", 1)[1] for h in headers if h.lower().startswith("content-length:")]
        content = await self.reader.readexactly(int(lengths[0]))
        return int(status_line.split(" ", 2)[1]), content

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


class HttpTransport(Transport):
    def __init__(self, http: HttpConnection) -> None:
        self.http = http
        self.session_id: str | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> Reply:
        status, content = await self.http.post(path, body)
        if status != 200:
            raise ServerError(f"http {path}: {status} {content[:300]!r}")
        reply: Reply = json.loads(content)
        self.session_id = reply.pop("session_id", self.session_id)
        return reply

    async def reset(self, task: str | None, seed: int, view: str) -> Reply:
        body = {"seed": seed, "task": task, "view": view}
        if self.session_id is not None:
            body["session_id"] = self.session_id
        return await self._post("/reset", body)

    async def step(self, act: dict[str, Any]) -> Reply:
        return await self._post("/step", {"session_id": self.session_id, "action": act})

    async def close(self) -> None:
        if self.session_id is not None:
            await self._post("/close", {"session_id": self.session_id})


@dataclass(frozen=True)
class Plan:
    """How every session of a phase plays: until when, pausing how long, with which view."""

    deadline: float
    think_s: float
    view: str


async def play(transport: Transport, index: int, plan: Plan, result: SessionResult) -> None:
    """Play episodes of session ``index``'s task until the plan's deadline."""
    task = TASKS[index % len(TASKS)]
    for episode in range(SEEDS_PER_SESSION):
        if time.perf_counter() >= plan.deadline:
            return
        seed = index * SEEDS_PER_SESSION + episode
        digest = hashlib.blake2b(digest_size=16)
        reply = await transport.reset(task, seed, plan.view)
        digest.update(canonical(reply))
        steps = 0
        while not reply["done"] and time.perf_counter() < plan.deadline:
            start = time.perf_counter()
            reply = await transport.step(action(steps))
            result.latencies.append(time.perf_counter() - start)
            digest.update(canonical(reply))
            steps += 1
            if plan.think_s:
                await asyncio.sleep(plan.think_s)
        result.episodes.append(Episode(task, seed, plan.view, steps, digest.hexdigest()))


async def guarded(result: SessionResult, run: Callable[[], Awaitable[None]]) -> SessionResult:
    """Run one session, recording instead of raising what goes wrong."""
    try:
        await run()
    except Exception as error:  # every failure is a finding of the load test
        result.errors.append(f"{type(error).__name__}: {error}")
    return result


async def ws_session(url: str, index: int, plan: Plan) -> SessionResult:
    result = SessionResult("ws")

    async def run() -> None:
        async with connect(url.replace("http", "ws", 1) + "/ws", max_size=None) as ws:
            await play(WebSocketTransport(ws), index, plan, result)
            await ws.send(json.dumps({"type": "close"}))

    return await guarded(result, run)


async def lone_ws_session(url: str, index: int, plan: Plan) -> SessionResult:
    """:func:`ws_session` on the blocking client (see :class:`BlockingWebSocketTransport`)."""
    result = SessionResult("ws")

    async def run() -> None:
        with connect_blocking(url.replace("http", "ws", 1) + "/ws", max_size=None) as ws:
            await play(BlockingWebSocketTransport(ws), index, plan, result)
            ws.send(json.dumps({"type": "close"}))

    return await guarded(result, run)


async def http_session(url: str, index: int, plan: Plan) -> SessionResult:
    result = SessionResult("http")

    async def run() -> None:
        connection = await HttpConnection.open(url)
        try:
            transport = HttpTransport(connection)
            await play(transport, index, plan, result)
            await transport.close()
        finally:
            await connection.close()

    return await guarded(result, run)


async def run_sessions(
    url: str, ws: int, http: int, seconds: float, think_s: float, view: str
) -> list[SessionResult]:
    """``ws`` WebSocket and ``http`` HTTP sessions at once, until ``seconds`` have passed.

    A single WebSocket session with no other runs on the blocking client."""
    plan = Plan(time.perf_counter() + seconds, think_s, view)
    if (ws, http) == (1, 0):
        return [await lone_ws_session(url, 0, plan)]
    sessions = [ws_session(url, i, plan) for i in range(ws)]
    sessions += [http_session(url, ws + i, plan) for i in range(http)]
    return list(await asyncio.gather(*sessions))


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_server(max_sessions: int, app: Sequence[str] = HELIXDESK_APP) -> Iterator[Server]:
    """``uvicorn`` serving ``app`` on a free loopback port, in a subprocess."""
    port = free_port()
    env = {**os.environ, "HELIXDESK_MAX_SESSIONS": str(max_sessions)}
    command = [sys.executable, "-m", "uvicorn", *app]
    command += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    command += uvicorn_flags(server_options())  # as `python app.py` and the container run it
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        server = Server(process, f"http://{HOST}:{port}", log)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def uvicorn_flags(options: dict[str, Any]) -> list[str]:
    """uvicorn's command-line flags for ``uvicorn.run`` keyword options."""
    flags = []
    for name, value in options.items():
        flags += [f"--{name.replace('_', '-')}", str(value).lower()]
    return flags


class Server:
    """A running server process, its URL and its log."""

    def __init__(self, process: subprocess.Popen, url: str, log: IO[bytes]) -> None:
        self.process, self.url, self.log = process, url, log

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"the server was not ready in {START_TIMEOUT_S:g} s")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- checking and reporting ----------------------------------------------------------------


def reference_digest(episode: Episode, envs: dict[str | None, HelixDeskEnvironment]) -> str:
    """The digest of ``episode`` replayed in process (through JSON, as a client sees it)."""
    env = envs.setdefault(episode.task, HelixDeskEnvironment())
    digest = hashlib.blake2b(digest_size=16)
    observation = env.reset(seed=episode.seed, task=episode.task, view=episode.view)
    digest.update(canonical(json.loads(json.dumps(serialize_observation(observation)))))
    for step in range(episode.steps):
        observation = env.step(HelixDeskAction.model_validate(action(step)))
        digest.update(canonical(json.loads(json.dumps(serialize_observation(observation)))))
    return digest.hexdigest()


def mismatches(results: list[SessionResult]) -> list[str]:
    """Episodes whose replies differ from the in-process replay of the same seed."""
    envs: dict[str | None, HelixDeskEnvironment] = {}
    found = []
    for result in results:
        for episode in result.episodes:
            if reference_digest(episode, envs) != episode.digest:
                found.append(f"{result.kind} task={episode.task} seed={episode.seed}")
    return found


def latency_ms(latencies: list[float]) -> dict[str, float | None]:
    if not latencies:
        return {"p50": None, "p99": None, "max": None}
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    return {"p50": round(p50, 2), "p99": round(p99, 2), "max": round(max(latencies) * 1000, 2)}


def summary(results: list[SessionResult], seconds: float, cpu: dict[str, float]) -> dict:
    """Throughput, latency and errors of one phase, overall and per kind of session."""
    report: dict[str, Any] = {"seconds": round(seconds, 2), "cpu_seconds": cpu}
    for kind in ("all", "ws", "http"):
        chosen = [r for r in results if kind in ("all", r.kind)]
        latencies = [x for r in chosen for x in r.latencies]
        report[kind] = {
            "sessions": len(chosen),
            "steps": len(latencies),
            "steps_per_s": round(len(latencies) / seconds, 1),
            "episodes": sum(len(r.episodes) for r in chosen),
            "latency_ms": latency_ms(latencies),
            "errors": sum(len(r.errors) for r in chosen),
        }
    report["error_messages"] = [e for r in results for e in r.errors][:10]
    return report


def phase(server: Server, ws: int, http: int, seconds: float, think_s: float, view: str) -> tuple:
    """Run one phase; returns its results and summary."""
    cpu_server, cpu_client = server.cpu_seconds(), time.process_time()
    start = time.perf_counter()
    results = asyncio.run(run_sessions(server.url, ws, http, seconds, think_s, view))
    elapsed = time.perf_counter() - start
    cpu = {
        "server": round(server.cpu_seconds() - cpu_server, 2),
        "client": round(time.process_time() - cpu_client, 2),
    }
    return results, summary(results, elapsed, cpu)


def warm_up(server: Server) -> None:
    """One short episode of every task, so no phase pays for first-use costs."""
    results = asyncio.run(run_sessions(server.url, len(TASKS), 0, 1.0, 0.0, "full"))
    errors = [e for r in results for e in r.errors]
    if errors:
        raise RuntimeError(f"warm-up failed: {errors[0]}\n{server.output()}")


def print_phase(name: str, report: dict) -> None:
    print(
        f"{name}: {report['seconds']} s, CPU server {report['cpu_seconds']['server']} s, "
        f"client {report['cpu_seconds']['client']} s"
    )
    for kind in ("all", "ws", "http"):
        part = report[kind]
        if part["sessions"]:
            lat = part["latency_ms"]
            print(
                f"  {kind:4} {part['sessions']:4} sessions {part['steps_per_s']:9.1f} steps/s "
                f"p50 {lat['p50']} ms p99 {lat['p99']} ms max {lat['max']} ms "
                f"episodes {part['episodes']} errors {part['errors']}"
            )
    for message in report["error_messages"]:
        print(f"  error: {message}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ws", type=int, default=64, help="WebSocket sessions (default 64)")
    parser.add_argument("--http", type=int, default=64, help="HTTP sessions (default 64)")
    parser.add_argument("--seconds", type=float, default=20.0, help="concurrent phase length")
    parser.add_argument("--single-seconds", type=float, default=5.0, help="0 skips it")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between steps")
    parser.add_argument(
        "--view",
        choices=("full", "vector"),
        default="full",
        help="the concurrent sessions' reset view (default full)",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="then run the same phases against bench/experiments/ceiling_app.py, a server "
        "that does no work",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if min(args.ws, args.http) < 0 or args.ws + args.http < 1 or args.seconds <= 0:
        parser.error("need at least one session and a positive --seconds")
    if args.seconds > 600 or args.single_seconds > 600:
        parser.error("phases are bounded: at most 600 s each")
    return args


def run_phases(
    server: Server, args: argparse.Namespace, report: dict[str, Any]
) -> list[SessionResult]:
    """The single-client phases (unless ``--single-seconds 0``), then the concurrent one."""
    results: list[SessionResult] = []
    if args.single_seconds > 0:
        for view, key in (("full", "single"), ("vector", "single_vector")):
            single, report[key] = phase(server, 1, 0, args.single_seconds, 0.0, view)
            results += single
    concurrent, report["concurrent"] = phase(
        server, args.ws, args.http, args.seconds, args.think_ms / 1000, args.view
    )
    return results + concurrent


def measure(args: argparse.Namespace, report: dict[str, Any]) -> list[SessionResult]:
    """Start the server, run the phases into ``report``; returns every session's result.

    With ``--ceiling``, then the same phases against ``bench/experiments/ceiling_app.py`` into
    ``report["ceiling"]`` (their results are not returned: its replies are fixed)."""
    with running_server(max_sessions=max(args.ws, args.http, len(TASKS))) as server:
        warm_up(server)
        results = run_phases(server, args, report)
        if any(r.errors for r in results):
            report["server_log"] = server.output()[-3000:]
    if args.ceiling:
        with running_server(max_sessions=1, app=CEILING_APP) as ceiling:
            report["ceiling"] = {}
            run_phases(ceiling, args, report["ceiling"])
    return results


def print_report(args: argparse.Namespace, report: dict[str, Any], prefix: str = "") -> None:
    if "single" in report:
        print_phase(f"{prefix}single WebSocket client, full view", report["single"])
        print_phase(f"{prefix}single WebSocket client, view=vector", report["single_vector"])
    sessions = f"{args.ws} WS + {args.http} HTTP sessions, view={args.view}"
    print_phase(prefix + sessions, report["concurrent"])


def phase_errors(report: dict[str, Any]) -> int:
    return sum(report[p]["all"]["errors"] for p in PHASES if p in report)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report: dict[str, Any] = {
        "config": vars(args) | {"json": str(args.json)},
        "cpus": os.cpu_count(),
    }
    results = measure(args, report)
    start = time.perf_counter()
    found = mismatches(results)
    report["check"] = {
        "episodes": sum(len(r.episodes) for r in results),
        "mismatches": len(found),
        "mismatched": found[:10],
        "seconds": round(time.perf_counter() - start, 2),
    }
    print_report(args, report)
    if "ceiling" in report:
        print_report(args, report["ceiling"], prefix="ceiling (a server that does no work): ")
    check = report["check"]
    print(
        f"isolation check: {check['episodes']} episodes replayed in process, "
        f"{check['mismatches']} mismatches ({check['seconds']} s)"
    )
    if "server_log" in report:
        print(f"server log (tail):\n{report['server_log']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    errors = phase_errors(report) + phase_errors(report.get("ceiling", {}))
    return 1 if errors or found else 0


if __name__ == "__main__":
    sys.exit(main())
