"""The adversary: attacks on the protocol, run against the spec, and what they must not achieve.

Grouped by environment kind where a part is kind-specific:

- ``adversary.payments``: the adversary of payments environments: the
  ground-truth world, the stateful adversarial game and its Hypothesis
  machine, the properties it checks, and the attack-scenario library;
- shared by every kind: ``trace`` (the replayable trace format), ``fuzz``
  (long runs of the machine), ``mutants`` (deliberately wrong rules of the
  spec) and ``mutation`` (the report of which checks catch each mutant).
"""
