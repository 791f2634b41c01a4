"""Tasks by split: the splits themselves and openenv's TaskProvider routes over them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from helixdesk.server.app import build_app
from helixdesk.server.sessions import SessionLimits
from helixdesk.tasks import TASK_IDS, splits


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    app = build_app(SessionLimits(max_sessions=4, ttl_s=600), warm=lambda: None)
    with TestClient(app) as client:
        yield client


def test_splits__disjoint_seeds_every_task_on_every_seed() -> None:
    seeds = {name: set(splits.SPLIT_SEEDS[name]) for name in splits.SPLITS}
    assert not seeds[splits.TRAIN] & seeds[splits.TEST]
    for name in splits.SPLITS:
        chosen = splits.instances(name)
        assert len(chosen) == splits.size(name) == len(seeds[name]) * len(TASK_IDS)
        assert {(i.task, i.seed) for i in chosen} == {(t, s) for t in TASK_IDS for s in seeds[name]}
        assert [i.index for i in chosen] == list(range(splits.size(name)))
        assert [i.task for i in chosen[: len(TASK_IDS)]] == list(TASK_IDS)


def test_splits__bad_names_and_indices_are_refused() -> None:
    with pytest.raises(splits.UnknownSplit, match="choose from train, test"):
        splits.size("dev")
    with pytest.raises(IndexError, match=rf"0\.\.{splits.size(splits.TEST) - 1}"):
        splits.instance(splits.TEST, splits.size(splits.TEST))
    with pytest.raises(IndexError):
        splits.instance(splits.TEST, -1)


def test_splits__sampling_is_deterministic_and_stays_in_train() -> None:
    picks = [splits.sample(key) for key in range(200)]
    assert picks == [splits.sample(key) for key in range(200)]
    assert {pick.split for pick in picks} == {splits.TRAIN}
    assert {pick.task for pick in picks} == set(TASK_IDS)
    assert len({pick.index for pick in picks}) > 150


def test_task_api__routes_serve_the_splits(http: TestClient) -> None:
    assert http.get("/list_environments").json() == ["helixdesk"]
    assert http.get("/helixdesk/splits").json() == [
        {"name": "train", "type": "train"},
        {"name": "test", "type": "test"},
    ]
    assert http.post("/helixdesk/num_tasks", json={"split": "test"}).json() == {
        "num_tasks": splits.size(splits.TEST)
    }
    task = http.post("/helixdesk/task", json={"split": "test", "index": 5}).json()["task"]
    assert task == splits.instance("test", 5).as_dict()
    listed = http.post("/helixdesk/tasks", json={"split": "test"}).json()["tasks"]
    assert listed[5] == task and len(listed) == splits.size(splits.TEST)
    window = {"split": "train", "start": 4, "stop": 8}
    tasks = http.post("/helixdesk/task_range", json=window).json()["tasks"]
    assert [t["id"] for t in tasks] == [f"train/{t}/1" for t in TASK_IDS]


def test_task_api__a_task_spec_plays_by_its_task_and_seed(http: TestClient) -> None:
    task = http.post("/helixdesk/task", json={"split": "test", "index": 6}).json()["task"]
    reply = http.post("/reset", json={"task": task["task"], "seed": task["seed"]}).json()
    assert reply["observation"]["task"] == task["task"] == "hard"


def test_task_api__unknown_names_404_and_bad_index_400(http: TestClient) -> None:
    unknown_split = http.post("/helixdesk/task", json={"split": "dev", "index": 0})
    assert unknown_split.status_code == 404
    assert "choose from train, test" in unknown_split.json()["detail"]
    assert http.get("/elsewhere/splits").status_code == 404
    assert (
        http.post(
            "/helixdesk/task", json={"split": "test", "index": splits.size(splits.TEST)}
        ).status_code
        == 400
    )
    paths = http.get("/openapi.json").json()["paths"]
    assert {"400", "404"} <= set(paths["/{env_name}/task"]["post"]["responses"])
