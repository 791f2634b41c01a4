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

import importlib
import logging
import pkgutil
import threading
import time
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

    ``threads`` (parallel kernels only) sets numba's thread count for each call; numba keeps
    that count per calling thread, so it is set where the kernel runs. A bound kernel copies
    and pickles as its kernel's name: the copy binds again on its first call.
    """

    def __init__(self, kernel: CPUDispatcher, threads: int | None = None) -> None:
        self.kernel = kernel
        self.threads = threads
        self._entry: Any = None

    def __call__(self, *args: Any) -> None:
        if self._entry is None:
            self._entry = _compile(self.kernel, tuple(numba.typeof(arg) for arg in args))
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        self._entry(*args)

    def __reduce__(self) -> tuple[Any, ...]:
        py_func = self.kernel.py_func
        return _kernel_named, (py_func.__module__, py_func.__qualname__, self.threads)


def _kernel_named(module: str, name: str, threads: int | None) -> BoundKernel:
    return BoundKernel(getattr(importlib.import_module(module), name), threads)


def simulator_kernels() -> dict[str, CPUDispatcher]:
    """Every compiled function the simulator's modules define, by qualified name."""
    import helixdesk.simulator  # the package whose modules import this one

    kernels = {}
    prefix = f"{helixdesk.simulator.__name__}."
    for info in pkgutil.walk_packages(helixdesk.simulator.__path__, prefix):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                kernels[f"{module.__name__}.{name}"] = value
    return kernels


# -- compile notice ----------------------------------------------------------------------------

COMPILE_NOTICE = (
    "compiling HelixDesk's simulator kernels: the first use after an install or upgrade takes "
    "about {minutes} minutes on 2 cores, later runs load them from numba's cache "
    "(`python -m helixdesk.warmup` compiles them all ahead)"
)
FIRST_USE_MINUTES = "1-2"  # cold-cache `python -m helixdesk.warmup`, docs/performance.md
NOTICE_AFTER_S = 1.0  # loading a kernel from the cache takes well under this
_notice_given = threading.Event()


def _compile(kernel: CPUDispatcher, signature: tuple[Any, ...]) -> Any:
    """``kernel``'s entry point for ``signature``; says once per process, if it takes long
    enough to be a compile rather than a cache load, that compiling has started."""
    if _notice_given.is_set():
        return kernel.compile(signature)
    timer = threading.Timer(NOTICE_AFTER_S, _give_notice)
    timer.daemon = True
    timer.start()
    try:
        return kernel.compile(signature)
    finally:
        timer.cancel()


def _give_notice() -> None:
    if not _notice_given.is_set():
        _notice_given.set()
        logging.getLogger("helixdesk").warning(COMPILE_NOTICE.format(minutes=FIRST_USE_MINUTES))


# -- threads ---------------------------------------------------------------------------------


class FasterKernel:
    """Whichever of two equivalent kernels (same arguments, same results) has been faster
    lately: a serial step kernel and its parallel twin.

    Threads pay only while a core is free for them and the batch is big enough to pay for
    waking them: beside another busy process a parallel step waits for a thread the OS has
    set aside, and at 64 envs on 2 cores it took up to a hundred times as long as a serial
    one (``docs/performance.md``, "Threads"). So each call runs the kernel with the lower recent
    cost per call, and the other is tried again for ``TRIAL_CALLS`` calls once the time spent
    since its last trial reaches ``RETRY_AFTER`` trials' worth of its cost: trials cost at most
    a few per cent, and a change in the machine's load is noticed within about a hundred
    calls. A kernel's first call (its compile or cache load) and a trial's first call (it
    wakes the threads) are not timed.
    """

    TRIAL_CALLS = 4
    RETRY_AFTER = 25.0
    SMOOTHING = 0.1  # weight of the newest call in the current kernel's running cost

    def __init__(self, serial: BoundKernel, parallel: BoundKernel) -> None:
        self.kernels = (serial, parallel)
        self.current = 0
        self.cost = [0.0, 0.0]  # seconds per call; 0.0 until measured
        self._called = [False, False]
        self._trial_left = 0
        self._trial_seconds = 0.0
        self._since_trial = 0.0

    def __call__(self, *args: Any) -> None:
        index = self._choose()
        start = time.perf_counter()
        self.kernels[index](*args)
        seconds = time.perf_counter() - start
        first, self._called[index] = not self._called[index], True
        if index == self.current:
            self._record_current(seconds, first)
        else:
            self._record_trial(seconds)

    def __getstate__(self) -> dict[str, Any]:
        # A copy's bound kernels bind again on their first call: time neither of those calls.
        return {**self.__dict__, "_called": [False, False]}

    def _choose(self) -> int:
        other = 1 - self.current
        if self._trial_left == 0 and self.cost[self.current] > 0.0:
            due = self.RETRY_AFTER * self.TRIAL_CALLS * self.cost[other]
            if self._since_trial >= due:
                self._trial_left, self._trial_seconds = self.TRIAL_CALLS, 0.0
        return other if self._trial_left else self.current

    def _record_current(self, seconds: float, first: bool) -> None:
        if first:
            return
        cost = self.cost[self.current]
        weight = self.SMOOTHING if cost else 1.0
        self.cost[self.current] = cost + weight * (seconds - cost)
        self._since_trial += seconds

    def _record_trial(self, seconds: float) -> None:
        self._trial_left -= 1
        if self._trial_left < self.TRIAL_CALLS - 1:
            self._trial_seconds += seconds
        if self._trial_left == 0:
            other = 1 - self.current
            self.cost[other] = self._trial_seconds / (self.TRIAL_CALLS - 1)
            self._since_trial = 0.0
            if self.cost[other] < self.cost[self.current]:
                self.current = other


def check_threads(threads: int | None) -> int | None:
    """``threads`` if numba can run that many (1 .. ``NUMBA_NUM_THREADS``), else ValueError."""
    most = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # set at numba's import
    if threads is not None and not 1 <= threads <= most:
        raise ValueError(f"threads must be in 1..{most} (NUMBA_NUM_THREADS), got {threads}")
    return threads
