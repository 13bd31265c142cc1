"""Uncertainty: distributions on scenario fields, correlated sampling, one vectorized pass through the chain,
and sensitivity (tornado and Sobol indices)."""
