"""``jit``: numba.njit when numba is usable and wanted, else the identity.

``TRADEOFF_NUMBA=0`` keeps the plain-Python path (CI tests it). The decision is taken once,
at import, and reported by ``tradeoff.show_config()``.
"""

from __future__ import annotations

import os


def _want_numba() -> bool:
    return os.environ.get("TRADEOFF_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")


try:
    if not _want_numba():
        raise ImportError("disabled by TRADEOFF_NUMBA=0")
    import numba as _numba
except ImportError:
    _numba = None

NUMBA_VERSION = None if _numba is None else _numba.__version__


def jit(fn):
    """Compile ``fn`` with numba (nopython, no cache) when available; else return it as is."""
    if _numba is None:
        return fn
    return _numba.njit(cache=False, nogil=True)(fn)
