"""The HelixDesk simulator: tape → dynamics → observation and events.

``schema`` declares every table; ``generator/`` draws the tape at reset; ``dynamics/`` steps
the state; ``batch.BatchSimulator`` drives a batch of episodes through both; ``jit`` says how
each kind is compiled.
"""

from helixdesk.simulator import _kernel_cache

_kernel_cache.refresh()
