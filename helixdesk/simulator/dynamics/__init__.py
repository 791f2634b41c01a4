"""Stepped: the deterministic dynamics that read the tape and change the state.

Compiled as *step kernels* (without numba's runtime, :mod:`helixdesk.simulator.jit`): triage
(``engine``), the team (``employee_sim``), tickets and deadlines (``tickets``), the knowledge
base, the trend watchdog, the observation, the event log and the vector step's results.
"""
