"""The faces agree: HTTP, WebSocket and in-process episodes give identical data.

A scripted episode (same task, seed and actions) is played on ``HelixDeskEnvironment`` in
process, over the stateful HTTP routes and over openenv's ``/ws`` protocol of a real uvicorn
server; every reply (observation, reward, done) and the grade must be equal, and the
observation vectors and rewards must equal the Gymnasium env's. Sessions on different faces
played at the same time do not affect each other.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.sync.client import connect

from helixdesk import HelixDeskEnv
from helixdesk.client import HelixDeskClient
from helixdesk.server.app import build_app
from helixdesk.server.sessions import SessionLimits
from helixdesk.tasks import TASK_IDS, get_task, make_env
from helixdesk.wire import HelixDeskAction, HelixDeskObservation
from tests.live_server import as_json, in_process_episode, scripted_action, serve

Hook = Callable[[], None]


def _no_hook() -> None:
    return None


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve(build_app(SessionLimits(max_sessions=8, ttl_s=600))) as base:
        yield base


def play_http(url: str, task: str | None, seed: int, before_step: Hook = _no_hook) -> dict:
    with httpx.Client(base_url=url, timeout=30) as http:
        first = http.post("/reset", json={"seed": seed, "task": task}).json()
        session = first.pop("session_id")
        replies = [first]
        while not replies[-1]["done"]:
            before_step()
            body = {"session_id": session, "action": scripted_action(len(replies) - 1)}
            reply = http.post("/step", json=body)
            assert reply.status_code == 200, reply.text
            replies.append({k: v for k, v in reply.json().items() if k != "session_id"})
        graded = http.post("/grader", json={"session_id": session})
    grade = graded.json() if task is not None else None
    assert graded.status_code == (200 if task is not None else 409)
    return {"replies": replies, "grade": grade}


def play_ws(url: str, task: str | None, seed: int, before_step: Hook = _no_hook) -> dict:
    with connect(url.replace("http", "ws", 1) + "/ws") as ws:

        def ask(message: dict[str, Any]) -> dict[str, Any]:
            ws.send(json.dumps(message))
            answer = json.loads(ws.recv(timeout=30))
            assert answer["type"] == "observation", answer
            return dict(answer["data"])

        replies = [ask({"type": "reset", "data": {"seed": seed, "task": task}})]
        while not replies[-1]["done"]:
            before_step()
            replies.append(ask({"type": "step", "data": scripted_action(len(replies) - 1)}))
        ws.send(json.dumps({"type": "close"}))
    return {"replies": replies, "grade": replies[-1]["observation"]["grade"]}


def gym_episode(task: str | None, seed: int) -> tuple[list[list[float]], list[float], float]:
    """The scripted episode on the Gymnasium env: vectors, rewards and the task score."""
    env = make_env(task) if task is not None else HelixDeskEnv()
    obs, _ = env.reset(seed=seed)
    vectors, rewards, done = [obs.tolist()], [], False
    while not done:
        action = HelixDeskAction.model_validate(scripted_action(len(rewards)))
        obs, reward, terminated, truncated, _ = env.step(action.to_codes(5))
        vectors.append(obs.tolist())
        rewards.append(reward)
        done = terminated or truncated
    score = get_task(task).score_log(env.event_log) if task is not None else float("nan")
    return vectors, rewards, score


@pytest.mark.parametrize("task", [*TASK_IDS, None])
def test_faces__http_ws_and_in_process_episodes_are_identical(url: str, task: str | None) -> None:
    seed = 11
    reference = in_process_episode(task, seed)
    assert play_http(url, task, seed) == reference
    assert play_ws(url, task, seed) == reference
    assert reference["replies"][-1]["observation"]["grade"] == reference["grade"]

    vectors, rewards, score = gym_episode(task, seed)
    assert [r["observation"]["vector"] for r in reference["replies"]] == as_json(vectors)
    assert [r["reward"] for r in reference["replies"][1:]] == rewards
    if task is not None:
        assert reference["grade"]["score"] == score


def test_faces__vectors_are_exact_float32(url: str) -> None:
    reply = play_http(url, "easy", 3)["replies"][4]
    vector = np.array(reply["observation"]["vector"], dtype=np.float32)
    assert vector.tolist() == reply["observation"]["vector"]
    assert vector.shape == HelixDeskEnv().observation_space.shape


def test_faces__typed_client_parses_what_the_server_sends(url: str) -> None:
    reference = in_process_episode("easy", 5)["replies"]
    with HelixDeskClient(base_url=url).sync() as client:
        result = client.reset(seed=5, task="easy")
        seen = [result]
        while not result.done:
            action = HelixDeskAction.model_validate(scripted_action(len(seen) - 1))
            result = client.step(action)
            seen.append(result)
        state = client.state()
    for got, want in zip(seen, reference, strict=True):
        expected = HelixDeskObservation.model_validate(
            {**want["observation"], "reward": want["reward"], "done": want["done"]}
        )
        assert got.observation == expected
        assert (got.reward, got.done) == (want["reward"], want["done"])
    assert seen[-1].observation.grade is not None
    assert (state.task, state.seed, state.done, state.step_count) == ("easy", 5, True, 20)


def test_faces__typed_client_plays_the_same_episode_with_the_vector_view(url: str) -> None:
    reference = in_process_episode("easy", 5)["replies"]
    with HelixDeskClient(base_url=url).sync() as client:
        result = client.reset(seed=5, task="easy", view="vector")
        seen = [result]
        while not result.done:
            action = HelixDeskAction.model_validate(scripted_action(len(seen) - 1))
            result = client.step(action)
            seen.append(result)
    for got, want in zip(seen, reference, strict=True):
        assert got.observation.desk is None and got.observation.text is None
        assert got.observation.vector == want["observation"]["vector"]
        assert got.reward == want["reward"]
    grade = seen[-1].observation.grade
    assert grade is not None
    assert grade.model_dump() == reference[-1]["observation"]["grade"]


def test_faces__concurrent_ws_and_http_sessions_do_not_interfere(url: str) -> None:
    barrier = threading.Barrier(2, timeout=30)

    def in_step() -> None:
        # A broken barrier means the other episode has ended: keep going alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run(name: str, play: Callable[..., dict], seed: int) -> None:
        try:
            results[name] = play(url, "medium", seed, in_step)
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)
        finally:
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=("ws", play_ws, 21)),
        threading.Thread(target=run, args=("http", play_http, 22)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert results["ws"] == in_process_episode("medium", 21)
    assert results["http"] == in_process_episode("medium", 22)
    assert results["ws"]["replies"][1] != results["http"]["replies"][1]
