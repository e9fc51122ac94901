"""The vector-producing cases, one module per area; importing the package registers them."""

from conformance.case_library import (
    cash_cases,
    cash_chain_cases,
    cash_history_cases,
    certified_cases,
    chain_cases,
    codec_cases,
    codec_precedence_cases,
    codec_type_cases,
    consensus_cases,
    exit_cases,
    in_flight_cases,
    in_flight_challenge_cases,
    in_flight_processing_cases,
    settlement_cases,
)

MODULES = (
    settlement_cases,
    exit_cases,
    in_flight_cases,
    in_flight_challenge_cases,
    in_flight_processing_cases,
    certified_cases,
    chain_cases,
    codec_cases,
    codec_precedence_cases,
    codec_type_cases,
    cash_cases,
    cash_history_cases,
    cash_chain_cases,
    consensus_cases,
)
"""Case modules, in the order their cases are listed."""
