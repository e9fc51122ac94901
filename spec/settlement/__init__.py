"""The settlement layer: the root contract as a pure state machine."""
