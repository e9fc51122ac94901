"""The payments kind's part of the conformance kit: random histories of the kind.

``moves`` draws differential traces of the ``payments-chain`` area (deposits,
blocks of valid and broken payments, exits); ``draft`` builds the child
block such a trace is writing; ``in_flight_moves`` adds the kind's in-flight
exits to the settlement traces (``conformance.settlement_moves``). The
settlement area and the codec area are the same for every kind and live at
the top of ``conformance``. The vector cases of the payments kind stay in
``conformance.case_library`` (their module path is part of every vector's
provenance).
"""
