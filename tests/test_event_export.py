"""Event logs survive a round trip through JSON lines, and so do the metrics computed from them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helixdesk import HelixDeskEnv
from helixdesk.evaluation import EpisodeResult, make_agent, run_episode
from helixdesk.metrics import episode_metrics
from helixdesk.monitor.event_export import read_event_logs, write_event_logs

SEEDS = (3, 4)


@pytest.fixture(scope="module")
def results_by_agent() -> dict[str, list[EpisodeResult]]:
    env = HelixDeskEnv()
    return {
        name: [
            run_episode(env, make_agent(name, env, seed), seed, episode=k)
            for k, seed in enumerate(SEEDS)
        ]
        for name in ("rule", "random")
    }


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, results_by_agent: dict) -> Path:
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    write_event_logs(path, results_by_agent)
    return path


def test_export__one_tagged_line_per_event(exported: Path, results_by_agent: dict) -> None:
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    expected = sum(len(result.event_log) for runs in results_by_agent.values() for result in runs)
    assert len(lines) == expected
    first = lines[0]
    assert (first["agent"], first["episode"], first["seed"]) == ("rule", 0, SEEDS[0])
    assert {"kind", "time", "email", "server"} <= first.keys()


def test_export__read_back_keys_are_agent_and_episode(exported: Path) -> None:
    logs = read_event_logs(exported)
    assert sorted(logs) == [("random", 0), ("random", 1), ("rule", 0), ("rule", 1)]


def test_export__records_round_trip_exactly(exported: Path, results_by_agent: dict) -> None:
    logs = read_event_logs(exported)
    for name, runs in results_by_agent.items():
        for episode, result in enumerate(runs):
            np.testing.assert_array_equal(logs[name, episode].records, result.event_log.records)


def test_export__recomputed_metrics_equal_in_memory(exported: Path, results_by_agent: dict) -> None:
    logs = read_event_logs(exported)
    for name, runs in results_by_agent.items():
        for episode, result in enumerate(runs):
            assert episode_metrics(logs[name, episode]) == result.metrics


def test_export__empty_results_write_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    write_event_logs(path, {"rule": []})
    assert path.read_text(encoding="utf-8") == ""
    assert read_event_logs(path) == {}
