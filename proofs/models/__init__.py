"""Z3 models of the settlement layer and of the exit game, tied to the invariant catalog.

Two models, each an abstraction of the Python spec (``spec.settlement``):

**The settlement model**, for the inductive proofs. Integers and integer
arrays with no bound on the number of exits, blocks, tokens or environments:

- ``rules``: codes, bounds and the formulas shared by both models
  (exitable time, queue order, payout, position keys);
- ``environment``: one environment's state as terms, with ghost sums;
- ``operations``: each shared operation's parameters and their type ranges;
- ``transitions``, ``processing``: each shared operation of one environment
  as guards (in the spec's order, with its rejection reasons) and a post-state;
- ``settlement``: the array of environments, registration, the clock;
- ``clauses``, ``predicates``, ``invariants``, ``block_invariants``,
  ``exit_invariants``: the catalog's invariants as quantified clauses, with
  the strengthenings that make them inductive; each names the
  :class:`~spec.invariants.ids.InvariantId` it states;
- ``steps``, ``induction``: one solver check per (invariant, transition);
  ``isolation``: INV-12 over the array of environments;
- ``mutants``: broken transitions every proof must reject; the catalog entry
  that lists a mutant's name says which proof;
- ``abstraction``, ``operation_abstraction``, ``drift``: concrete spec
  states and operations mapped into the model, and compared with the spec
  (``tests/test_proofs_drift.py``).

**The exit-game model**, for bounded model checking of INV-18 and INV-19:
``payments.exit_game``, ``payments.bmc`` and ``payments.exit_game_controls``.

**The Plasma Cash models** (``cash``): one Cash environment's records for
the inductive proofs of INV-24, INV-25 and the Cash part of INV-09, with
their drift test; and one coin's exit game for the bounded checks of
INV-26 and INV-27.

``solving`` runs every check with a timeout (``unknown`` is a failure);
``counterexamples`` prints what a failed check found.

What is payments-specific lives in ``proofs.models.payments``: the exit-game
model, and the payments exit game's operations in the settlement model
(start and challenge a standard exit: parameters, transitions, abstraction,
INV-10). The neutral modules list those operations beside their own
(``steps.STEP_FACTORIES``, ``settlement.ENVIRONMENT_ENCODERS``,
``isolation.ENVIRONMENT_OPERATIONS``, ``operation_abstraction``, the
mutants of those transitions, and the names in
``counterexamples.SPEC_OPERATIONS``), as ``spec.environments.registry``
lists the kinds. The environment record itself models a payments
environment's settlement state, which is every kind's: the kind is not in
the model.
"""
