"""The two kinds of compiled simulator function, and why they differ.

*Step kernels* run on every step and when an episode starts. They are compiled without
numba's reference-counted runtime (NRT): they never allocate and only read and write arrays
their caller owns, and without the runtime numba emits no reference-count updates for the
array views and bundles they pass to each other. Dropping those updates cut the kernel's time
per step by about two thirds (``docs/performance.md``).

*Tape builders* draw an episode's tape at reset. They allocate small scratch arrays, so they
keep the runtime.

Numba compiles a called function with its caller's runtime setting unless the function sets
its own, and the two settings must not meet in one call chain. So every simulator function
is one kind or the other, and neither kind calls the other: drawing the tapes and starting
the episodes are two separate compiled calls (``BatchSimulator.reset``).
"""

from __future__ import annotations

from typing import Any

from numba import njit

# ``_nrt`` is numba's switch for the runtime (its type stubs do not list it). Both kinds set it,
# so that no simulator function inherits it from a caller.
_WITHOUT_RUNTIME: dict[str, Any] = {"_nrt": False}
_WITH_RUNTIME: dict[str, Any] = {"_nrt": True}

step_kernel = njit(cache=True, **_WITHOUT_RUNTIME)
parallel_step_kernel = njit(cache=True, parallel=True, **_WITHOUT_RUNTIME)
tape_builder = njit(cache=True, **_WITH_RUNTIME)
parallel_tape_builder = njit(cache=True, parallel=True, **_WITH_RUNTIME)
