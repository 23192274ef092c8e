"""Demo data and the `ramp demo` scenario."""
