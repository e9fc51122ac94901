"""The invariant catalog: safety properties as predicates over spec state.

- ``ids``: :class:`~spec.invariants.ids.InvariantId`, the stable id of every
  invariant (``INV-NN``);
- ``entry`` and ``checks``: what a catalog entry holds (statement, the
  predicates that decide it, the checks that cover it);
- ``funds``, ``blocks``, ``exits``, ``environments``: the invariants that hold
  for every environment kind, each entry beside its predicates; ``changes``:
  what one step changed, as those predicates read it;
- ``payments``: everything that names the payments kind (its child chain and
  its exit game); the only part of the catalog that imports a kind;
- ``catalog``: :data:`~spec.invariants.catalog.CATALOG`, every entry in id
  order, which everything else reads;
- ``evaluate``: runs the catalog's predicates on concrete states and steps.
"""
