"""pass^k from the command line: ``evaluate.py --trials`` for the rule, random and LLM agents
(the LLM against the fake OpenAI-compatible endpoint), and ``baseline.py --trials``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helixdesk.tasks import TASKS
from helixdesk.trials import trial_seed
from tests.fake_openai import FakeOpenAI, run_cli

TRIALS = 3


def check_curves(report: dict[str, Any]) -> None:
    """Every task's pass^1 … pass^k: in [0, 1], falling with k, pass^1 the success rate."""
    for task, played in report.items():
        means = [played["pass"][f"pass^{k}"]["mean"] for k in range(1, TRIALS + 1)]
        assert all(0.0 <= mean <= 1.0 for mean in means), task
        assert means == sorted(means, reverse=True), task
        flat = [ok for trials in played["successes"] for ok in trials]
        assert means[0] == pytest.approx(sum(flat) / len(flat))
        threshold = TASKS[task].success_threshold
        assert played["successes"] == [[s >= threshold for s in t] for t in played["scores"]]


def test_evaluate_trials__rule_and_random(tmp_path: Path) -> None:
    out = tmp_path / "passk.json"
    args = ["--agent", "rule", "random", "--trials", str(TRIALS), "--episodes", "2"]
    done = run_cli("evaluate.py", *args, "--tasks", "easy", "medium", "--json", str(out))
    assert done.returncode == 0, done.stderr
    for text in ("rule: pass^k", "random: pass^k", f"pass^{TRIALS} [95% CI]", ">= 0.9"):
        assert text in done.stdout
    report = json.loads(out.read_text())
    assert (report["seeds"], report["trials"]) == ([0, 1], TRIALS)
    for agent in ("rule", "random"):
        assert list(report["agents"][agent]) == ["easy", "medium"]
        check_curves(report["agents"][agent])
    rule = report["agents"]["rule"]["medium"]["scores"]
    assert all(len(set(trials)) == 1 for trials in rule)  # a deterministic agent
    randoms = report["agents"]["random"]["medium"]["scores"]
    assert any(len(set(trials)) > 1 for trials in randoms)  # independent draws


def test_evaluate_trials__llm_sampling_seed_differs_per_trial(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    out = tmp_path / "llm.json"
    args = ["--agent", "llm", "--model", "fake-model", "--base-url", fake.url]
    args += ["--temperature", "0.7", "--trials", str(TRIALS), "--episodes", "2"]
    done = run_cli("evaluate.py", *args, "--tasks", "easy", "--json", str(out), API_KEY="k")
    assert done.returncode == 0, done.stderr
    assert "llm: pass^k" in done.stdout
    check_curves(json.loads(out.read_text())["agents"]["llm"])
    emails = TASKS["easy"].config().env.episode_emails
    assert len(fake.requests) == 2 * TRIALS * emails
    seeds = [request["seed"] for request in fake.requests[::emails]]
    assert seeds == [trial_seed(seed, t) for seed in (0, 1) for t in range(TRIALS)]
    assert len(set(seeds)) == 2 * TRIALS
    assert {request["temperature"] for request in fake.requests} == {0.7}


def test_evaluate_trials__bad_combinations_are_refused() -> None:
    assert "--plot" in run_cli("evaluate.py", "--trials", "2", "--plot", "x.png").stderr
    both = run_cli("evaluate.py", "--agent", "sb3", "llm", "--model", "m", "--trials", "2")
    assert both.returncode == 2 and "both read --model" in both.stderr
    no_key = run_cli("evaluate.py", "--agent", "llm", "--trials", "2", "--episodes", "1")
    assert no_key.returncode == 2 and "API_KEY" in no_key.stderr


def test_baseline_trials__adds_pass1_and_passk(fake: FakeOpenAI, tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    args = ["--agents", "rule", "llm", "--tasks", "easy", "--seeds", "1", "2"]
    args += ["--trials", str(TRIALS), "--model", "fake-model", "--base-url", fake.url]
    done = run_cli("baseline.py", *args, "--json", str(out), API_KEY="k")
    assert done.returncode == 0, done.stderr
    assert f"pass^{TRIALS} [95% CI]" in done.stdout
    assert "LLM agent" in done.stdout and "Rule-based agent" in done.stdout
    cell = json.loads(out.read_text())["results"]["llm"]["easy"]
    assert cell["scores"] == [trials[0] for trials in cell["trials"]["scores"]]
    check_curves({"easy": cell["trials"]})
