"""Z3 models and CrossHair entry points tied to the invariant catalog; to come."""
