"""Invariants of the compiled simulator: how each kernel is compiled, and the held-ticket
facts that stand in for ticket rows on the hot path."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

import helixdesk.simulator
from helixdesk import HelixDeskEnv
from helixdesk.simulator import engine, tape
from helixdesk.simulator.email_gen import E_SEVERITY
from helixdesk.simulator.state import (
    HS_COLUMNS,
    HS_CRITICAL,
    HS_DEADLINE,
    HS_OPENED_AT,
    HS_PRIORITY,
    HS_QUEUED_AT,
    HS_SLA_HOURS,
    SC_POOL,
    SV_CURRENT,
    SV_DONE_AT,
    SV_QLEN,
    TK_DEADLINE,
    TK_EMAIL,
    TK_OPENED_AT,
    TK_PRIORITY,
    TK_QUEUED_AT,
    TK_SLA_HOURS,
)


def _simulator_kernels() -> list[tuple[str, CPUDispatcher]]:
    kernels = []
    for info in pkgutil.iter_modules(helixdesk.simulator.__path__):
        module = importlib.import_module(f"helixdesk.simulator.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                kernels.append((f"{module.__name__}.{name}", value))
    return kernels


def test_every_kernel_sets_numbas_runtime_switch_itself() -> None:
    # A function that inherits the switch from its caller could be compiled both ways, and
    # code with and without the runtime must not meet in one call chain (simulator/jit.py).
    kernels = _simulator_kernels()
    assert len(kernels) > 40
    undeclared = [name for name, kernel in kernels if "_nrt" not in kernel.targetoptions]
    assert undeclared == []


def test_step_path_runs_without_the_runtime_and_tape_drawing_with_it() -> None:
    for kernel in (engine.step_batch, engine.step_batch_parallel, engine.start_episodes):
        assert kernel.targetoptions["_nrt"] is False
    for kernel in (tape.draw_tapes, tape.draw_tapes_parallel):
        assert kernel.targetoptions["_nrt"] is True


def _expected_facts(env: HelixDeskEnv, slot: int) -> np.ndarray:
    tickets, emails = env._sim.state.tickets[0], env._sim.emails[0]
    facts = np.zeros(HS_COLUMNS)
    facts[HS_DEADLINE] = tickets[slot, TK_DEADLINE]
    facts[HS_OPENED_AT] = tickets[slot, TK_OPENED_AT]
    facts[HS_SLA_HOURS] = tickets[slot, TK_SLA_HOURS]
    facts[HS_CRITICAL] = float(emails[int(tickets[slot, TK_EMAIL]), E_SEVERITY] == 0.0)
    facts[HS_PRIORITY] = tickets[slot, TK_PRIORITY]
    facts[HS_QUEUED_AT] = tickets[slot, TK_QUEUED_AT]
    return facts


def _check_mirrors(env: HelixDeskEnv) -> None:
    state = env._sim.state
    n_servers = state.servers.shape[1]
    for server in range(n_servers):
        for i in range(int(state.servers[0, server, SV_QLEN])):
            slot = int(state.queues[0, server, i])
            np.testing.assert_array_equal(state.held[0, server, i], _expected_facts(env, slot))
        idle = state.servers[0, server, SV_CURRENT] < 0
        assert idle == np.isinf(state.servers[0, server, SV_DONE_AT])
    for i in range(int(state.scalars[0, SC_POOL])):
        slot = int(state.pool[0, i])
        np.testing.assert_array_equal(state.held[0, n_servers, i], _expected_facts(env, slot))


@pytest.mark.parametrize("config", [None, {"env": {"n_employees": 6, "unassigned_capacity": 5}}])
def test_held_facts_mirror_the_queued_and_pooled_tickets(config: dict | None) -> None:
    """After every step, each queue and pool position's facts are those of its ticket."""
    env = HelixDeskEnv(config=config, record_events=False)
    rng = np.random.default_rng(0)
    for seed in range(3):
        env.reset(seed=seed)
        done = False
        while not done:
            _, _, terminated, truncated, _ = env.step(rng.integers(0, env.action_space.nvec))
            _check_mirrors(env)
            done = terminated or truncated
