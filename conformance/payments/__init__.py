"""The payments kind's part of the conformance kit: random child chain histories.

``moves`` draws differential traces of the ``payments-chain`` area (deposits,
blocks of valid and broken payments, exits); ``draft`` builds the child
block such a trace is writing. The settlement area and the codec area are
the same for every kind and live at the top of ``conformance``. The vector
cases of the payments chain stay in ``conformance.case_library`` (their
module path is part of every vector's provenance).
"""
