"""The two kinds of compiled simulator function, and why they differ.

*Step kernels* run on every step and when an episode starts. They are compiled without
numba's reference-counted runtime (NRT): they never allocate and only read and write arrays
their caller owns, and without the runtime numba emits no reference-count updates for the
array views and bundles they pass to each other. Dropping those updates cut the kernel's time
per step by about two thirds (``docs/performance.md``).

*Inlined step kernels* are step kernels that numba pastes into their callers
(``inline="always"``). Numba passes a bundle of arrays to a compiled function as its
flattened fields, so every call of a kernel taking an ``Episode`` and a ``Model`` copied about
170 machine words onto the stack. The functions a step calls once or in its clock loop
(``triage``, ``advance``, ``complete``, ``encode`` …) are inlined, which leaves one such call
per step (``_step_episode``) and made the kernel about a fifth faster at 4096 episodes
(``docs/performance.md``). Small helpers need no mark: LLVM inlines them anyway. Marking
every kernel made numba's compile time explode (over ten minutes), so the mark stays on the
hot ones with one or two call sites.

*Tape builders* draw an episode's tape at reset. They allocate small scratch arrays, so they
keep the runtime.

Numba compiles a called function with its caller's runtime setting unless the function sets
its own, and the two settings must not meet in one call chain. So every simulator function
is one kind or the other, and neither kind calls the other: drawing the tapes and starting
the episodes are two separate compiled calls (``BatchSimulator.reset``).
"""

from __future__ import annotations

from typing import Any

import numba
from numba import njit
from numba.core.registry import CPUDispatcher

# ``_nrt`` is numba's switch for the runtime (its type stubs do not list it). Both kinds set it,
# so that no simulator function inherits it from a caller.
_WITHOUT_RUNTIME: dict[str, Any] = {"_nrt": False}
_WITH_RUNTIME: dict[str, Any] = {"_nrt": True}

step_kernel = njit(cache=True, **_WITHOUT_RUNTIME)
inlined_step_kernel = njit(cache=True, inline="always", **_WITHOUT_RUNTIME)
parallel_step_kernel = njit(cache=True, parallel=True, **_WITHOUT_RUNTIME)
tape_builder = njit(cache=True, **_WITH_RUNTIME)
parallel_tape_builder = njit(cache=True, parallel=True, **_WITH_RUNTIME)


class BoundKernel:
    """A kernel called through its compiled entry point instead of numba's dispatcher.

    The dispatcher derives the type of every argument on every call: about 10 µs for a step
    kernel's ~25 arrays, more than the whole step of a small batch. The first call compiles
    ``kernel`` (or loads it from the cache) for its arguments' types; later calls go straight
    to that machine code. So every later call must pass the same types (dtype, rank and
    C-contiguity of every array): the machine code reads memory by them unchecked. Callers
    build their varying arguments in a fixed form (``np.ascontiguousarray`` with a dtype).
    """

    def __init__(self, kernel: CPUDispatcher) -> None:
        self.kernel = kernel
        self._entry: Any = None

    def __call__(self, *args: Any) -> None:
        if self._entry is None:
            self._entry = self.kernel.compile(tuple(numba.typeof(arg) for arg in args))
        self._entry(*args)
