"""Keep numba's on-disk kernel cache in step with the simulator's source.

Numba keys a cached kernel on the source file that defines it, not on the modules it calls
or the constants it imports, so editing ``dynamics/tickets.py`` would leave
``engine.step_batch``'s cache stale. At import we hash every module the kernels are built
from; when the digest changes, the package's cached kernels are dropped and numba recompiles
them once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
_SIMULATOR = _PACKAGE / "simulator"
_SOURCES = (*sorted(_SIMULATOR.rglob("*.py")), _PACKAGE / "rewards.py", _PACKAGE / "spaces.py")
_CACHE_DIR = _SIMULATOR / "__pycache__"
_STAMP = _CACHE_DIR / "kernels.sha256"


def source_digest() -> str:
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh() -> None:
    """Drop cached kernels built from other sources (best effort: a read-only install keeps
    whatever cache numba manages elsewhere)."""
    digest = source_digest()
    try:
        if _STAMP.is_file() and _STAMP.read_text() == digest:
            return
        for cached in (*_SIMULATOR.rglob("*.nbi"), *_SIMULATOR.rglob("*.nbc")):
            cached.unlink()
        _CACHE_DIR.mkdir(exist_ok=True)
        _STAMP.write_text(digest)
    except OSError:
        return
