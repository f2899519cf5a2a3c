"""tradeoff: fast, exact solvers for the small problems in cost-aware and multi-objective
inner loops.

Implemented so far (see the README for the roadmap):

* Pareto ranking: :func:`pareto_rank`, :func:`nondominated`, :func:`crowding_distance`.
* Hypervolume: :func:`hypervolume`, :func:`hv_contributions`, :func:`hv_improvement`.
* Entropic transport: :func:`sinkhorn`, :func:`sinkhorn_points`, :func:`sinkhorn_plan`.
* Linear assignment: :func:`linear_assignment` (scipy drop-in), :func:`assignment`.
* Budgets: :func:`knapsack` (0/1 and bounded), :func:`mckp` (multiple choice).

Every function takes one problem or a batch (leading axis), NumPy arrays (CPU) or CuPy arrays
(GPU), and returns the same array type. ``tradeoff.show_config()`` says which backends loaded.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._backend import set_backend, using_backend
from ._config import config, set_num_threads, show_config
from ._errors import ConvergenceWarning, InfeasibleError
from .budgets import KnapsackResult, MCKPResult, knapsack, mckp
from .matching import AssignmentResult, assignment, linear_assignment
from .hv import hv_contributions, hv_improvement, hypervolume
from .pareto import UNRANKED, crowding_distance, nondominated, pareto_rank
from .transport import SinkhornResult, sinkhorn, sinkhorn_plan, sinkhorn_points

__all__ = [
    "AssignmentResult",
    "UNRANKED",
    "ConvergenceWarning",
    "InfeasibleError",
    "KnapsackResult",
    "MCKPResult",
    "SinkhornResult",
    "__version__",
    "assignment",
    "config",
    "crowding_distance",
    "hv_contributions",
    "hv_improvement",
    "hypervolume",
    "knapsack",
    "linear_assignment",
    "mckp",
    "nondominated",
    "pareto_rank",
    "set_backend",
    "set_num_threads",
    "show_config",
    "sinkhorn",
    "sinkhorn_plan",
    "sinkhorn_points",
    "using_backend",
]
