"""The HelixDesk simulator: episode tape, deterministic dynamics, event log."""

from helixdesk.simulator import _kernel_cache

_kernel_cache.refresh()
