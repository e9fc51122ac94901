"""The adversary: ground-truth worlds, the stateful adversarial test, attack scenarios, mutants."""
