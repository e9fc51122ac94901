"""Environment kinds in the reference node: an interface, a registry, one package per kind.

The counterpart of ``spec.environments``. A kind is one
:class:`~reference.environments.interface.ReferenceKind` row in
:data:`~reference.environments.registry.KINDS`, keyed by
:class:`~spec.settlement.state.EnvironmentKind`: the settlement simulator
takes its exit game's steps and its deposit roots from there, and the node
its ledger. Two kinds exist: :mod:`reference.environments.payments` and
:mod:`reference.environments.cash` (Plasma Cash); another kind is a package
beside them and a new row.
"""
