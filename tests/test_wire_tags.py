"""The wire tags of every union and enumeration: a golden table.

A tag is part of the wire format: changing one, or giving two variants the
same one, changes or breaks every encoding that holds it. This table is the
reviewed record of the tags; a change to ``spec`` that moves a tag fails here
until the table is changed on purpose, with a new format version.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping
from typing import Any

from conformance.areas import AREAS
from spec.codec import CODEC_TYPES
from spec.encoding import ENUM_TAGS, UNION_TAGS, get_field_types, is_union
from spec.settlement.transition import OPERATIONS

GOLDEN_UNION_TAGS: dict[str, dict[str, int]] = {
    "Operation": {
        "RegisterEnvironment": 0,
        "Deposit": 1,
        "SubmitBlock": 2,
        "StartStandardExit": 3,
        "ChallengeStandardExit": 4,
        "ProcessExits": 5,
        "AdvanceTime": 6,
        "StartCoinExit": 7,
        "ChallengeCoinSpent": 8,
        "ChallengeCoinDoubleSpend": 9,
        "ChallengeCoinHistory": 10,
        "RespondCoinHistory": 11,
        "FinalizeCoinExit": 12,
        "StartInFlightExit": 13,
        "PiggybackInFlightExit": 14,
        "ChallengeInFlightNotCanonical": 15,
        "RespondToNonCanonicalChallenge": 16,
        "ChallengeInFlightInputSpent": 17,
        "ChallengeInFlightOutputSpent": 18,
        "DeleteInFlightExit": 19,
        "SubmitCertifiedBlock": 20,
        "ReportConflictingCommits": 21,
    },
    "BlockTransaction": {"SignedTransaction": 0, "FeeClaim": 1, "DepositTransaction": 2},
    "ChainOperation": {"ApplyDeposit": 0, "ApplyBlock": 1, "ApplyExit": 2},
    "KindRecords": {"PaymentsRecords": 0, "CashRecords": 1},
    "CoinLeaf": {"CoinMint": 0, "SignedTransfer": 1},
    "CashChainOperation": {"ApplyMint": 0, "ApplyCoinBlock": 1, "ApplyCoinExit": 2},
    "Justification": {"QuorumCertificate": 0, "AggregateCertificate": 1},
    "ReplicaInput": {
        "ReceiveProposal": 0,
        "ReceiveVote": 1,
        "ReceiveTimeout": 2,
        "FireTimer": 3,
        "Propose": 4,
    },
    "Message": {"Proposal": 0, "Vote": 1, "Timeout": 2},
}
"""Union name -> variant name -> tag."""

GOLDEN_ENUM_TAGS: dict[str, dict[str, int]] = {
    "EnvironmentKind": {"PAYMENTS": 0, "CASH": 1},
    "BlockKind": {"CHILD": 0, "DEPOSIT": 1},
    "ExitStatus": {"OPEN": 0, "CHALLENGED": 1, "PROCESSED": 2, "SKIPPED": 3},
    "ExitKind": {"STANDARD": 0, "IN_FLIGHT": 1},
    "PiggybackSide": {"INPUT": 0, "OUTPUT": 1},
    "PiggybackStatus": {"NONE": 0, "OPEN": 1, "CHALLENGED": 2, "PAID": 3, "UNPAID": 4},
    "InFlightOutcome": {"UNDECIDED": 0, "OUTPUTS": 1, "INPUTS": 2},
    "InFlightExitStatus": {"ACTIVE": 0, "DELETED": 1},
    "CoinStatus": {"DEPOSITED": 0, "EXITING": 1, "EXITED": 2},
    "CoinExitStatus": {"OPEN": 0, "CANCELLED": 1, "FINALIZED": 2},
}
"""Enumeration name -> member name -> tag."""

UNION_NAMES = {
    frozenset(GOLDEN_UNION_TAGS["Operation"]): "Operation",
    frozenset(GOLDEN_UNION_TAGS["BlockTransaction"]): "BlockTransaction",
    frozenset(GOLDEN_UNION_TAGS["ChainOperation"]): "ChainOperation",
    frozenset(GOLDEN_UNION_TAGS["KindRecords"]): "KindRecords",
    frozenset(GOLDEN_UNION_TAGS["CoinLeaf"]): "CoinLeaf",
    frozenset(GOLDEN_UNION_TAGS["CashChainOperation"]): "CashChainOperation",
    frozenset(GOLDEN_UNION_TAGS["Justification"]): "Justification",
    frozenset(GOLDEN_UNION_TAGS["ReplicaInput"]): "ReplicaInput",
    frozenset(GOLDEN_UNION_TAGS["Message"]): "Message",
}
"""A union's name, by the names of its variants."""


def get_protocol_unions_and_enums() -> tuple[set[frozenset[Any]], set[type[enum.Enum]]]:
    """Return every tagged union and every enumeration reachable from the protocol's types."""
    unions: set[frozenset[Any]] = set()
    enums: set[type[enum.Enum]] = set()
    seen: set[Any] = set()

    def visit(hint: Any) -> None:
        if hint in seen:
            return
        seen.add(hint)
        if is_union(hint):
            arms = typing.get_args(hint)
            if not (type(None) in arms and len(arms) == 2):
                unions.add(frozenset(arms))
            for arm in arms:
                visit(arm)
        elif typing.get_origin(hint) in (tuple, frozenset, Mapping, dict):
            for argument in typing.get_args(hint):
                if argument is not Ellipsis:
                    visit(argument)
        elif isinstance(hint, type) and issubclass(hint, enum.Enum):
            enums.add(hint)
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
            for _, field in get_field_types(hint):
                visit(field)

    for area in AREAS.values():
        visit(area.state_type)
        visit(area.operation_hint)
    for hint in CODEC_TYPES.values():
        visit(hint)
    return unions, enums


def test_union_tags_are_the_golden_ones() -> None:
    """Given every union the protocol encodes.

    When its declared wire tags are read,
    Then they are exactly those of the golden table, and no union is left undeclared.
    """
    unions, _ = get_protocol_unions_and_enums()
    declared = {
        UNION_NAMES.get(frozenset(arm.__name__ for arm in variants), str(variants)): {
            arm.__name__: tag for arm, tag in UNION_TAGS[variants].items()
        }
        for variants in unions
    }
    assert declared == GOLDEN_UNION_TAGS


def test_enum_tags_are_the_golden_ones() -> None:
    """Given every enumeration the protocol encodes.

    When its declared wire tags are read,
    Then they are exactly those of the golden table.
    """
    _, enums = get_protocol_unions_and_enums()
    declared = {
        enumeration.__name__: {member.name: tag for member, tag in ENUM_TAGS[enumeration].items()}
        for enumeration in enums
    }
    assert declared == GOLDEN_ENUM_TAGS


def test_no_two_variants_share_a_tag() -> None:
    """Given the golden table.

    When the tags of each union and enumeration are compared,
    Then no two variants of one share a tag (so the table above is itself sound).
    """
    for table in (*GOLDEN_UNION_TAGS.values(), *GOLDEN_ENUM_TAGS.values()):
        assert len(set(table.values())) == len(table)


def test_operation_table_rows_carry_the_union_tags() -> None:
    """Given the settlement operation table.

    When each row's tag is compared with the union's declared tag,
    Then they agree (the table is where the union's tags come from).
    """
    rows = {row.operation_type.__name__: row.tag for row in OPERATIONS.values()}
    assert rows == GOLDEN_UNION_TAGS["Operation"]
