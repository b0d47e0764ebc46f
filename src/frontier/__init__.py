"""frontier: Monte Carlo and Pareto analysis of inference scaling on JAX."""

from ._models import Model, ModelFileError, catalog, load_models
from ._sampling import QUANTILE_LEVELS, Samples, Stats, Summary, sample, summarize

__version__ = "0.1.0"
