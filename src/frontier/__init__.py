"""frontier: Monte Carlo and Pareto analysis of inference scaling on JAX."""

from . import aggregation
from ._compare import Comparison, Shift, compare
from ._dominance import (
    crowding_distance,
    filter_dominated,
    is_nondominated,
    is_nondominated_batch,
    pareto_probability,
    pareto_rank,
    pareto_rank_batch,
)
from ._engine import Choice, Constraint, choose, parse_slo
from ._explore import Explorer, ExplorerState, explore
from ._hypervolume import HVEstimate, hv_approx, hv_contributions, hypervolume
from ._knee import Knee, KneeMethod, knee, soft_knee
from ._latency import Latency
from ._models import Model, ModelFileError, catalog, load_models
from ._replicates import Replicates
from ._reselect import reselect
from ._sampling import (
    EXTRA_OBJECTIVES,
    QUANTILE_LEVELS,
    ExtendedSamples,
    Samples,
    Stats,
    Summary,
    sample,
    summarize,
)
from ._sensitivity import INPUTS, OUTPUTS, Sensitivity, sensitivity, soft_select
from ._serving import Serving, ServingFit, calibrate_serving
from ._study import (
    Budget,
    CrossModel,
    Estimate,
    OperatingPoint,
    Points,
    Study,
    budget_grid,
    optimize,
)
from ._sweeps import Selection, Sweep, read_sweep
from ._table import Objective, Table
from ._usermodel import UserModel

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - grouped by topic
    # models
    "Model", "ModelFileError", "UserModel", "catalog", "load_models",
    # Monte Carlo
    "EXTRA_OBJECTIVES", "QUANTILE_LEVELS", "ExtendedSamples", "Samples", "Stats", "Summary",
    "sample", "summarize",
    # beyond the paper: aggregations, latency, serving
    "Latency", "Serving", "ServingFit", "aggregation", "calibrate_serving",
    # candidate tables and the study engine
    "Choice", "Constraint", "Objective", "Table", "choose", "parse_slo",
    # the paper's study
    "Budget", "CrossModel", "Estimate", "OperatingPoint", "Points", "Study", "budget_grid",
    "optimize", "reselect", "Replicates",
    # dominance
    "crowding_distance", "filter_dominated", "is_nondominated", "is_nondominated_batch",
    "pareto_probability", "pareto_rank", "pareto_rank_batch",
    # hypervolume and knees
    "HVEstimate", "hv_approx", "hv_contributions", "hypervolume",
    "Knee", "KneeMethod", "knee", "soft_knee",
    # sensitivity
    "INPUTS", "OUTPUTS", "Sensitivity", "sensitivity", "soft_select",
    # measured sweeps and frontier shifts
    "Selection", "Sweep", "read_sweep", "Comparison", "Shift", "compare",
    # notebooks (the `notebook` extra)
    "Explorer", "ExplorerState", "explore",
]
