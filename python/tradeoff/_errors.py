"""Exceptions and warnings every kernel family shares."""

from __future__ import annotations


class InfeasibleError(ValueError):
    """The problem has no feasible solution (e.g. a row of a transport problem whose every pair
    is forbidden). Subclasses ``ValueError``; the message names the batch index and the cause."""


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration limit before reaching its tolerance. The
    message names the parameter to change; the result says ``converged=False``."""
