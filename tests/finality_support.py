"""Builders for the finality tests, from ``fixtures.finality_messages`` (one place for both)."""

from __future__ import annotations

from fixtures.finality_messages import (
    CHAIN,
    COMMITTEE,
    GENESIS,
    GENESIS_QC,
    KEY_OF,
    KEYS,
    OUTSIDER_KEY,
    aggregate,
    certify,
    extend,
    make_chain,
    propose,
    root,
    timeout,
    vote,
)

__all__ = [
    "CHAIN",
    "COMMITTEE",
    "GENESIS",
    "GENESIS_QC",
    "KEYS",
    "KEY_OF",
    "OUTSIDER_KEY",
    "aggregate",
    "certify",
    "extend",
    "make_chain",
    "propose",
    "root",
    "timeout",
    "vote",
]
