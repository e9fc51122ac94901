"""Environment kinds: what each kind of child chain executes, and its exit game.

The settlement layer is one rule set for every environment; what differs
between kinds lives here, one package per kind, each described to the
settlement layer by one :class:`~spec.environments.interface.EnvironmentKindSpec`
in the registry (``spec.environments.registry``).
"""
