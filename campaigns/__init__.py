"""Campaigns: fuzzing and differential conformance as independent tasks, here or on Dask.

A campaign (``plasma-spec fuzz``, the differential part of ``plasma-spec
conform``) is split into independent tasks (:mod:`campaigns.tasks`): a batch
of fuzz seeds of one game, or a range of differential traces of one area.
A runner (:mod:`campaigns.runners`) runs them: in this process (``--workers
1``, or when Dask is not installed) or on a Dask cluster
(:mod:`campaigns.cluster`: a local one of ``--workers`` processes, or an
existing one with ``--scheduler``). :mod:`campaigns.fuzzing` and
:mod:`campaigns.conforming` drive the two kinds of campaign; failures go to
the failure store (:mod:`campaigns.store`), progress to one aggregated display
(:mod:`campaigns.progress`), and each worker keeps its adapter under test
running across its tasks (:mod:`campaigns.adapters`).
"""
