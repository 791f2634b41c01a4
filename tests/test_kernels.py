"""Invariants of the compiled simulator: how each kernel is compiled, and the held-ticket
facts that stand in for ticket rows on the hot path."""

from __future__ import annotations

import numpy as np
import pytest

from helixdesk.config import load_config
from helixdesk.simulator.batch import BatchSimulator
from helixdesk.simulator.dynamics import engine
from helixdesk.simulator.generator import tape
from helixdesk.simulator.jit import simulator_kernels
from helixdesk.simulator.schema import Email, Episode, Held, Scalar, Server, Ticket
from helixdesk.spaces import action_nvec


def test_every_kernel_sets_numbas_runtime_switch_itself() -> None:
    # A function that inherits the switch from its caller could be compiled both ways, and
    # code with and without the runtime must not meet in one call chain (simulator/jit.py).
    kernels = simulator_kernels()
    assert len(kernels) > 40
    undeclared = [name for name, kernel in kernels.items() if "_nrt" not in kernel.targetoptions]
    assert undeclared == []


def test_step_path_runs_without_the_runtime_and_tape_drawing_with_it() -> None:
    for kernel in (engine.step_batch, engine.step_batch_parallel, engine.start_episodes):
        assert kernel.targetoptions["_nrt"] is False
    for kernel in (tape.draw_tapes, tape.draw_tapes_parallel):
        assert kernel.targetoptions["_nrt"] is True


def test_episode_bundle_takes_every_table_by_name() -> None:
    """``Episode`` row ``b`` of each tape and state table: every table filled with its own
    marker, so a bundle wired to the wrong table (even one of the same shape) shows."""
    sim = BatchSimulator(load_config(None), batch=3, record_events=True)
    tables = {**sim.tapes._asdict(), **sim.state._asdict()}
    assert set(tables) == set(Episode._fields)
    for marker, array in enumerate(tables.values(), start=1):
        array[...] = marker * 100 + np.arange(3).reshape((3,) + (1,) * (array.ndim - 1))
    episode = engine._episode.py_func(sim.state, sim.tapes, 1)  # the kernel's own source
    for name, array in tables.items():
        rows = array[1:2] if name == "n_events" else array[1]
        np.testing.assert_array_equal(getattr(episode, name), rows, err_msg=name)


def _expected_facts(sim: BatchSimulator, slot: int) -> np.ndarray:
    tickets, emails = sim.state.tickets[0], sim.tapes.emails[0]
    facts = np.zeros(len(Held))
    facts[Held.DEADLINE] = tickets[slot, Ticket.DEADLINE]
    facts[Held.OPENED_AT] = tickets[slot, Ticket.OPENED_AT]
    facts[Held.SLA_HOURS] = tickets[slot, Ticket.SLA_HOURS]
    facts[Held.CRITICAL] = float(emails[int(tickets[slot, Ticket.EMAIL]), Email.SEVERITY] == 0.0)
    facts[Held.PRIORITY] = tickets[slot, Ticket.PRIORITY]
    facts[Held.QUEUED_AT] = tickets[slot, Ticket.QUEUED_AT]
    return facts


def _check_mirrors(sim: BatchSimulator) -> None:
    state = sim.state
    n_servers = state.servers.shape[1]
    for server in range(n_servers):
        for i in range(int(state.servers[0, server, Server.QLEN])):
            slot = int(state.queues[0, server, i])
            np.testing.assert_array_equal(state.held[0, server, i], _expected_facts(sim, slot))
        idle = state.servers[0, server, Server.CURRENT] < 0
        assert idle == np.isinf(state.servers[0, server, Server.DONE_AT])
    for i in range(int(state.scalars[0, Scalar.POOL])):
        slot = int(state.pool[0, i])
        np.testing.assert_array_equal(state.held[0, n_servers, i], _expected_facts(sim, slot))


@pytest.mark.parametrize("overrides", [None, {"env": {"n_employees": 6, "unassigned_capacity": 5}}])
def test_held_facts_mirror_the_queued_and_pooled_tickets(overrides: dict | None) -> None:
    """After every step, each queue and pool position's facts are those of its ticket."""
    config = load_config(overrides)
    sim = BatchSimulator(config, batch=1)
    nvec = action_nvec(config)
    rng = np.random.default_rng(0)
    for seed in range(3):
        sim.reset([0], [np.random.default_rng(seed)])
        for _ in range(config.env.episode_emails):
            sim.step(rng.integers(0, nvec)[None, :])
            _check_mirrors(sim)
