"""First use: a slow compile is announced once; the warm-up command compiles every kernel."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from typing import Any

import pytest

from helixdesk.simulator import jit


class SlowKernel:
    """Stands in for a numba dispatcher whose compile takes ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def compile(self, signature: tuple[Any, ...]) -> str:
        time.sleep(self.seconds)
        return "entry point"


@pytest.fixture
def fresh_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jit, "_notice_given", jit.threading.Event())
    monkeypatch.setattr(jit, "NOTICE_AFTER_S", 0.05)


@pytest.mark.usefixtures("fresh_notice")
def test_compile_notice__is_logged_once_when_a_compile_takes_long(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="helixdesk"):
        assert jit._compile(SlowKernel(0.01), ()) == "entry point"  # a cache load: no word
        assert caplog.messages == []
        jit._compile(SlowKernel(0.3), ())
        jit._compile(SlowKernel(0.3), ())
    assert len(caplog.messages) == 1
    assert "python -m helixdesk.warmup" in caplog.messages[0]
    assert jit.FIRST_USE_MINUTES in caplog.messages[0]


USE_EVERY_FACE = """
import numpy as np, helixdesk
from numba.core.registry import CPUDispatcher
from helixdesk.simulator.dynamics import engine, step_results
from helixdesk.simulator.generator import tape
from helixdesk.vector import HelixDeskVectorEnv

def signatures():
    modules = (engine, step_results, tape)
    return {
        (module.__name__, name): len(kernel.signatures)
        for module in modules for name, kernel in vars(module).items()
        if isinstance(kernel, CPUDispatcher)
    }

helixdesk.warm_up()
warm = signatures()
env = helixdesk.HelixDeskEnv(record_events=False)
env.reset(seed=0)
env.step(env.action_space.sample())
for n in (3, 64, 300):
    vec = HelixDeskVectorEnv(n, config={"env": {"episode_emails": 2}})
    vec.reset(seed=0)
    for _ in range(4):
        vec.step(vec.action_space.sample())
assert signatures() == warm, set(signatures().items()) ^ set(warm.items())
print("no new compile")
"""


@pytest.mark.slow
def test_warm_up__compiles_every_kernel_the_envs_run() -> None:
    run = subprocess.run(
        [sys.executable, "-c", USE_EVERY_FACE], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    assert "no new compile" in run.stdout


@pytest.mark.slow
def test_warmup_command__runs_and_reports_its_time() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "helixdesk.warmup"], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    assert "kernels ready in" in run.stdout
