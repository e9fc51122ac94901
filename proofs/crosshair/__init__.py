"""CrossHair: contracts on the real spec functions, checked by symbolic execution.

- ``contracts``: the entry points, one module per subject (bounded
  arithmetic, exitable time, exit priority, Merkle proofs, the canonical
  encoding, and the payments kind's fees), each a wrapper with a PEP 316
  contract around a real spec function; the table ``ENTRY_POINTS``;
- ``mutants``: for every entry point, a broken twin with the same contract
  that CrossHair must refute (the negative controls), by the same subjects;
- ``twins``: a faithful and a broken rewrite of one spec helper for
  ``crosshair diffbehavior``, and how CrossHair builds the spec's values;
- ``checks``: runs all of them, one CrossHair process per check, and
  reports one :class:`~proofs.results.CheckResult` each.

Which invariants a contract supports is read from the catalog
(``spec.invariants.catalog``), whose entries name their contracts.
"""
