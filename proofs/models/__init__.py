"""Z3 models of the settlement layer and of the exit game, tied to the invariant catalog.

Two models, each an abstraction of the Python spec (``spec.settlement``):

**The settlement model**, for the inductive proofs. Integers and integer
arrays with no bound on the number of exits, blocks, tokens or environments:

- ``rules``: codes, bounds and the formulas shared by both models
  (exitable time, queue order, payout, position keys);
- ``environment``: one environment's state as terms, with ghost sums;
- ``operations``: each operation's parameters and their type ranges;
- ``transitions``, ``processing``: each operation of one environment as
  guards (in the spec's order, with its rejection reasons) and a post-state;
- ``settlement``: the array of environments, registration, the clock;
- ``clauses``, ``predicates``, ``invariants``, ``block_invariants``,
  ``exit_invariants``: the catalog's invariants as quantified clauses, with
  the strengthenings that make them inductive;
- ``steps``, ``induction``: one solver check per (invariant, transition);
  ``isolation``: INV-12 over the array of environments;
- ``mutants``: broken transitions every proof must reject;
- ``abstraction``, ``operation_abstraction``, ``drift``: concrete spec
  states and operations mapped into the model, and compared with the spec
  (``tests/test_proofs_drift.py``).

**The exit-game model**, for bounded model checking: ``exit_game`` (a small
world with an honest user and a byzantine operator), ``bmc`` (INV-18, INV-19
unrolled from the initial state) and ``exit_game_controls``.

``solving`` runs every check with a timeout (``unknown`` is a failure);
``counterexamples`` prints what a failed check found.
"""
