"""plasma-spec: the normative, executable specification of Plasma.

Reading order:

1. ``spec.errors``: rejection reasons, one per rule.
2. ``spec.primitives``, ``spec.crypto``, ``spec.encoding``, ``spec.merkle``:
   values, hashes and signatures, the canonical encoding, Merkle trees.
3. ``spec.presets``: numeric parameters (``tiny``, ``full``).
4. ``spec.settlement``: the settlement layer (root contract), the same for
   every environment kind, and ``spec.dispatch``: the operation tables.
5. ``spec.environments``: environment kinds, the interface the settlement
   layer calls and the registry; ``spec.environments.payments``: the payments
   kind (transactions, child chain, exit game).
6. ``spec.digest``: canonical state digests.
7. ``spec.invariants``: the invariant catalog.
"""

SPEC_VERSION = "0.1.0"
"""Version of the specification; conformance vectors name it."""
