"""frontier: Monte Carlo and Pareto analysis of inference scaling on JAX."""

__version__ = "0.1.0"
