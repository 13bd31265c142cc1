"""Reports and figures (formatting only; no model logic lives here)."""
