"""Machine checks of the invariant catalog: Z3 models and CrossHair contracts.

- ``results``: :class:`~proofs.results.CheckResult`, what every check reports,
  naming the :class:`~spec.invariants.ids.InvariantId` values it covers;
- ``runner``: every checker family ``plasma-spec prove`` runs;
- ``models``: the Z3 settlement model (inductive proofs, isolation, negative
  controls, drift against the spec) and, in ``models.payments``, the payments
  kind's parts: its exit-game operations in the settlement model and the
  exit-game model of the bounded checks (INV-18, INV-19); in ``models.cash``,
  the Plasma Cash exit game's own models: its records (inductive, INV-24,
  INV-25, the Cash part of INV-09) and one coin's game with a byzantine
  operator (bounded, INV-26, INV-27); in ``models.in_flight``, the payments
  exit records with in-flight exits (inductive, INV-02 across exit kinds,
  INV-09 with bounties, INV-20) and one in-flight payment's exit game with a
  block-withholding operator (bounded, INV-18 (b) and (c), INV-19, INV-20);
- ``crosshair``: contracts on the real spec functions (``crosshair.contracts``),
  their broken twins (``crosshair.mutants``), a diffbehavior pair
  (``crosshair.twins``) and their runner (``crosshair.checks``).

Which checks cover which invariant is read from the catalog
(``spec.invariants.catalog``): its entries name their Z3 negative controls
and CrossHair contracts, and the registries here look themselves up
(``get_invariants_checked_by``). What encodes an invariant (a model
invariant, a bounded property, the isolation proof, a diffbehavior twin)
names the invariant it states; ``tests/test_catalog_checks.py`` fails when a
check covers no catalogued invariant or an entry names a check that does not
exist.

Payments-specific, beyond ``models.payments``: the CrossHair contracts on
payment fees (``crosshair.contracts.payments`` and its twins) and the
encoding contract on outputs (``crosshair.contracts.encoding``, which
encodes a payments ``Output``) and the contracts on the in-flight exit
game's helpers (``crosshair.contracts.in_flight``). Cash-specific, beyond ``models.cash``: the
CrossHair contracts on sparse Merkle proofs (``crosshair.contracts.sparse_merkle``).
Everything else is kind-neutral.
"""
