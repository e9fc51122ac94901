"""The invariant catalog: safety properties as predicates over spec state."""
