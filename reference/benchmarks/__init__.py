"""The benchmarks behind ``plasma-spec bench``: the reference against the spec.

- :mod:`reference.benchmarks.workloads`: the deterministic workloads (signed
  payments over a crowded child chain, crowded exit queues);
- :mod:`reference.benchmarks.runs`: timing them on the reference and on the
  spec, beside the machine's secp256k1 recovery rate, and the report;
- :mod:`reference.benchmarks.finality`: commit latency and throughput of a
  committee of replica processes (``plasma-spec bench --finality``).
"""
