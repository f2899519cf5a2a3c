"""Readable reference implementations: the fallback backend AND the test oracle.

Every native result must agree with these functions (exactly for ranks and masks, to a
stated tolerance for floating results). Loops are written in the subset of Python that numba
compiles; when numba is installed (``pip install tradeoff[numba]``) and ``TRADEOFF_NUMBA`` is
not ``0``, the same source is JIT-compiled, otherwise it runs as plain Python.
"""
