"""frontier: Monte Carlo and Pareto analysis of inference scaling on JAX."""

from ._dominance import (
    crowding_distance,
    filter_dominated,
    is_nondominated,
    is_nondominated_batch,
    pareto_probability,
    pareto_rank,
    pareto_rank_batch,
)
from ._hypervolume import HVEstimate, hv_approx, hv_contributions, hypervolume
from ._knee import Knee, KneeMethod, knee, soft_knee
from ._models import Model, ModelFileError, catalog, load_models
from ._optimize import (
    Budget,
    Constraint,
    CrossModel,
    Estimate,
    OperatingPoint,
    Points,
    Study,
    budget_grid,
    optimize,
    parse_slo,
)
from ._sampling import QUANTILE_LEVELS, Samples, Stats, Summary, sample, summarize
from ._sensitivity import INPUTS, OUTPUTS, Sensitivity, sensitivity, soft_select
from ._sweeps import Sweep, read_sweep

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - grouped by topic
    # models
    "Model", "ModelFileError", "catalog", "load_models",
    # Monte Carlo
    "QUANTILE_LEVELS", "Samples", "Stats", "Summary", "sample", "summarize",
    # operating points
    "Budget", "Constraint", "CrossModel", "Estimate", "OperatingPoint", "Points", "Study",
    "budget_grid", "optimize", "parse_slo",
    # dominance
    "crowding_distance", "filter_dominated", "is_nondominated", "is_nondominated_batch",
    "pareto_probability", "pareto_rank", "pareto_rank_batch",
    # hypervolume and knees
    "HVEstimate", "hv_approx", "hv_contributions", "hypervolume",
    "Knee", "KneeMethod", "knee", "soft_knee",
    # sensitivity
    "INPUTS", "OUTPUTS", "Sensitivity", "sensitivity", "soft_select",
    # measured sweeps
    "Sweep", "read_sweep",
]
