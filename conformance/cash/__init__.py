"""Conformance for the Plasma Cash kind.

``moves`` draws the differential traces of the ``cash-chain`` area.
"""
