"""Typed rejections: every rule the spec enforces on input has exactly one reason.

An operation that breaks a rule raises :class:`Rejected` carrying one
:class:`RejectionReason`. Because every spec function is pure, a rejected
operation leaves the state it was given unchanged: the caller still holds the
old value.

``assert`` is kept for "cannot happen" (a bug in the spec itself), never for
bad input.

To find the rule behind a reason, search the spec for its name: each reason is
raised from one ``require(...)`` line preceded by a comment stating the rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn


class RejectionReason(StrEnum):
    """Why an operation, transaction, block or encoding was rejected.

    The string value of each member is its stable reason code, the one that
    conformance vectors name and implementations must report.
    """

    # Encoding (spec/encoding.py)
    ENCODING_TRUNCATED = "encoding_truncated"
    """The bytes end before the value they encode is complete."""
    ENCODING_TRAILING_BYTES = "encoding_trailing_bytes"
    """Bytes remain after the value was decoded."""
    ENCODING_INVALID_FLAG = "encoding_invalid_flag"
    """A boolean or presence byte is neither 0x00 nor 0x01."""
    ENCODING_INVALID_TAG = "encoding_invalid_tag"
    """A union tag or enumeration index names no variant."""
    ENCODING_UNSORTED_KEYS = "encoding_unsorted_keys"
    """Mapping keys or set members are not in strictly increasing byte order."""
    ENCODING_INVALID_TEXT = "encoding_invalid_text"
    """A text field is not valid UTF-8."""

    # Primitive values (spec/primitives.py)
    INTEGER_OVERFLOW = "integer_overflow"
    """An unsigned integer would exceed the largest value of its width."""
    INTEGER_UNDERFLOW = "integer_underflow"
    """An unsigned integer would go below zero."""
    BYTES_WRONG_LENGTH = "bytes_wrong_length"
    """A fixed-length byte string (address, hash, signature) has another length."""

    # Signatures (spec/crypto.py)
    SIGNATURE_MALFORMED = "signature_malformed"
    """A signature's r or s is outside [1, n-1], or its recovery id is not 0 or 1."""
    SIGNATURE_HIGH_S = "signature_high_s"
    """A signature's s is above n/2 (the low-s rule forbids the malleable twin)."""
    SIGNATURE_UNRECOVERABLE = "signature_unrecoverable"
    """No public key can be recovered from the signature and message."""

    # Codec (spec/codec.py)
    CODEC_UNKNOWN_TYPE = "codec_unknown_type"
    """A codec step names a type that is not in the codec's type list."""

    # Settlement layer: environment lookup (spec/settlement/state.py)
    UNKNOWN_ENVIRONMENT = "unknown_environment"
    """The environment id names no registered environment."""
    ENVIRONMENT_IN_QUARANTINE = "environment_in_quarantine"
    """The environment's quarantine period has not ended yet."""
    ENVIRONMENT_KIND_MISMATCH = "environment_kind_mismatch"
    """The operation belongs to the exit game of another kind than the environment's."""

    # Settlement layer: registration (spec/settlement/environments.py)
    FINALIZATION_PERIOD_TOO_SHORT = "finalization_period_too_short"
    """Registered rules set a finalization period below the preset's minimum."""
    EXIT_BOND_TOO_LOW = "exit_bond_too_low"
    """Registered rules set an exit bond below the preset's minimum."""
    DEPOSIT_LIMIT_ZERO = "deposit_limit_zero"
    """Registered rules set a deposit limit of zero, which would forbid every deposit."""
    PROCESSING_BOUNTY_ABOVE_BOND = "processing_bounty_above_bond"
    """Registered rules set a processing bounty larger than the piggyback bond it comes from."""

    # Settlement layer: deposits (spec/settlement/deposits.py)
    DEPOSIT_AMOUNT_ZERO = "deposit_amount_zero"
    """A deposit of zero creates no value and is refused."""
    DEPOSIT_ABOVE_LIMIT = "deposit_above_limit"
    """A deposit exceeds the environment's per-deposit limit."""
    INSUFFICIENT_FUNDS = "insufficient_funds"
    """The sender's settlement-layer balance cannot cover a deposit or an exit bond.

    Raised by ``debit`` in spec/settlement/state.py.
    """
    TOO_MANY_DEPOSITS = "too_many_deposits"
    """All deposit block numbers before the next child block are used."""
    COIN_TREE_FULL = "coin_tree_full"
    """A Cash deposit's block number, the new coin's id, is not a key of the preset's coin tree."""

    # Settlement layer: block commitments (spec/settlement/blocks.py)
    NOT_OPERATOR = "not_operator"
    """Only the environment's operator may submit child blocks."""
    BLOCK_ALREADY_COMMITTED = "block_already_committed"
    """A root is already committed at that block number; committed roots never change."""
    BLOCK_NUMBER_UNEXPECTED = "block_number_unexpected"
    """A child block must carry the next child block number, no other."""

    # Exits: the payments exit game (spec/environments/payments/exits.py: unknown block,
    # inclusion proof, output index, owner, the two challenge rules) and what every kind
    # shares (spec/settlement/exits.py: bond, one exit per output, open exit, processing)
    UNKNOWN_BLOCK = "unknown_block"
    """An exit names a block number at which nothing is committed."""
    INCLUSION_PROOF_INVALID = "inclusion_proof_invalid"
    """The Merkle proof does not show the transaction at the position in the block."""
    OUTPUT_INDEX_OUT_OF_RANGE = "output_index_out_of_range"
    """The position's output index is beyond the transaction's outputs."""
    EXIT_NOT_BY_OWNER = "exit_not_by_owner"
    """Only the owner of an output may start its standard exit."""
    EXIT_BOND_WRONG_AMOUNT = "exit_bond_wrong_amount"
    """The bond sent with an exit differs from the environment's exit bond."""
    EXIT_ALREADY_STARTED = "exit_already_started"
    """An exit of this output was started before; an output has at most one exit, ever."""
    UNKNOWN_EXIT = "unknown_exit"
    """The exit id names no exit of this environment."""
    EXIT_NOT_OPEN = "exit_not_open"
    """The exit was already challenged or processed."""
    CHALLENGE_NOT_SPENDING_EXIT = "challenge_not_spending_exit"
    """The challenging transaction's chosen input is not the exiting output."""
    CHALLENGE_NOT_SIGNED_BY_OWNER = "challenge_not_signed_by_owner"
    """The spend of the exiting output is not signed by the output's owner."""
    PROCESS_LIMIT_ZERO = "process_limit_zero"
    """A request to process exits must allow at least one exit."""
    NO_EXIT_TO_PROCESS = "no_exit_to_process"
    """The queue holds no exit that is mature now."""
    OUTPUT_ALREADY_FINALIZED = "output_already_finalized"
    """Another exit (standard or in-flight) already settled this output; it never exits again."""

    # Exits: the payments in-flight exit game (spec/environments/payments/: in_flight.py,
    # piggybacks.py, canonicity.py); it also raises the payment shape reasons (TX_*),
    # TX_OUTPUTS_EXCEED_INPUTS, TX_INPUT_NOT_SIGNED_BY_OWNER, UNKNOWN_BLOCK,
    # INCLUSION_PROOF_INVALID, OUTPUT_INDEX_OUT_OF_RANGE, EXIT_BOND_WRONG_AMOUNT and
    # CHALLENGE_NOT_SIGNED_BY_OWNER
    IN_FLIGHT_WITNESS_COUNT_MISMATCH = "in_flight_witness_count_mismatch"
    """An in-flight exit must bring one input transaction and one inclusion proof per input."""
    IN_FLIGHT_EXIT_ALREADY_STARTED = "in_flight_exit_already_started"
    """An in-flight exit of this transaction is already active; a transaction has one at a time."""
    UNKNOWN_IN_FLIGHT_EXIT = "unknown_in_flight_exit"
    """The in-flight exit id names no in-flight exit of this environment."""
    IN_FLIGHT_EXIT_DELETED = "in_flight_exit_deleted"
    """The in-flight exit was deleted; nothing more can happen to it."""
    PIGGYBACK_PERIOD_OVER = "piggyback_period_over"
    """Piggybacks are accepted only in the first half of the exit period."""
    PIGGYBACK_INDEX_OUT_OF_RANGE = "piggyback_index_out_of_range"
    """The index names no input (or output) of the in-flight transaction."""
    PIGGYBACK_NOT_BY_OWNER = "piggyback_not_by_owner"
    """Only the owner of an input or output may piggyback it."""
    PIGGYBACK_ALREADY_MADE = "piggyback_already_made"
    """That input or output was piggybacked before; each is piggybacked at most once."""
    PIGGYBACK_NOT_OPEN = "piggyback_not_open"
    """The challenged input or output is not piggybacked, or its piggyback is settled."""
    CHALLENGE_IS_IN_FLIGHT_TRANSACTION = "challenge_is_in_flight_transaction"
    """A competitor or spend must be another transaction than the in-flight one."""
    CHALLENGE_NOT_SPENDING_PIGGYBACK = "challenge_not_spending_piggyback"
    """The challenging transaction's chosen input is not the piggybacked input or output."""
    CANONICITY_PERIOD_OVER = "canonicity_period_over"
    """Canonicity challenges are accepted only in the first half of the exit period."""
    COMPETITOR_NOT_SPENDING_INPUT = "competitor_not_spending_input"
    """The competitor's chosen input is not an input of the in-flight transaction."""
    COMPETITOR_NOT_OLDER = "competitor_not_older"
    """A canonicity challenge must name a competitor older than the last one known."""
    IN_FLIGHT_EXIT_ALREADY_DECIDED = "in_flight_exit_already_decided"
    """The in-flight exit was processed: its canonicity can no longer change."""
    RESPONSE_WITHOUT_CHALLENGE = "response_without_challenge"
    """The in-flight exit is canonical: there is no challenge to answer."""
    IN_FLIGHT_TRANSACTION_MISMATCH = "in_flight_transaction_mismatch"
    """The transaction shown included is not the in-flight transaction."""
    RESPONSE_NOT_OLDER = "response_not_older"
    """The in-flight transaction's position is not older than the oldest competitor."""
    PIGGYBACK_PERIOD_NOT_OVER = "piggyback_period_not_over"
    """An in-flight exit may be deleted only once its piggyback period is over."""
    IN_FLIGHT_EXIT_PIGGYBACKED = "in_flight_exit_piggybacked"
    """An in-flight exit that anyone piggybacked is processed, never deleted."""

    # Exits: the Plasma Cash exit game (spec/environments/cash/: witnesses.py, exits.py,
    # challenges.py); it also raises UNKNOWN_BLOCK, EXIT_NOT_BY_OWNER, EXIT_BOND_WRONG_AMOUNT,
    # UNKNOWN_EXIT, EXIT_NOT_OPEN, CHALLENGE_NOT_SPENDING_EXIT, CHALLENGE_NOT_SIGNED_BY_OWNER
    COIN_UNKNOWN = "coin_unknown"
    """The coin id names no coin minted in this environment."""
    COIN_ALREADY_EXITED = "coin_already_exited"
    """The coin was paid out by an exit; a coin exits for good once."""
    COIN_EXIT_ALREADY_OPEN = "coin_exit_already_open"
    """The coin has an open exit; a coin has at most one at a time."""
    WITNESS_WRONG_COIN = "witness_wrong_coin"
    """A mint or transfer shown as a witness is about another coin."""
    MINT_NOT_AT_DEPOSIT_BLOCK = "mint_not_at_deposit_block"
    """A mint is shown in a block other than the coin's deposit block (its id)."""
    COIN_PROOF_INVALID = "coin_proof_invalid"
    """The compact proof does not show the leaf at the coin's key in the block's sparse tree."""
    PARENT_BEFORE_MINT = "parent_before_mint"
    """An exit's parent is in a block before the coin's mint: no history of a coin precedes it."""
    PARENT_MISSING = "parent_missing"
    """A transfer is shown without its parent (the mint or transfer it spends)."""
    PARENT_UNEXPECTED = "parent_unexpected"
    """A mint is shown with a parent; a mint spends nothing."""
    TRANSFER_NOT_SPENDING_PARENT = "transfer_not_spending_parent"
    """A transfer's previous block is not the block of the parent it is shown (or must be) with."""
    PARENT_NOT_EARLIER = "parent_not_earlier"
    """A transfer's parent is not in an earlier block than the transfer."""
    TRANSFER_NOT_SIGNED_BY_PARENT_OWNER = "transfer_not_signed_by_parent_owner"
    """A transfer is not signed by the owner its parent gave the coin to."""
    CHALLENGE_NOT_AFTER_EXIT = "challenge_not_after_exit"
    """A spent-coin challenge's transfer is not in a block after the exiting transfer."""
    CHALLENGE_NOT_BETWEEN = "challenge_not_between"
    """A double-spend challenge's transfer is not in a block between the exit's parent and exit."""
    CHALLENGE_WINDOW_CLOSED = "challenge_window_closed"
    """An invalid-history challenge comes after the first half of the exit's finalization period."""
    CHALLENGE_BOND_WRONG_AMOUNT = "challenge_bond_wrong_amount"
    """The bond sent with an invalid-history challenge differs from the environment's exit bond."""
    CHALLENGE_BEFORE_MINT = "challenge_before_mint"
    """An invalid-history challenge shows a leaf (or its parent) in a block before the mint."""
    CHALLENGE_NOT_BEFORE_PARENT = "challenge_not_before_parent"
    """An invalid-history challenge's leaf is not in a block before the exit's parent."""
    CHALLENGE_ALREADY_OPEN = "challenge_already_open"
    """An invalid-history challenge with a leaf of that block is already open on the exit."""
    UNKNOWN_CHALLENGE = "unknown_challenge"
    """No invalid-history challenge of the exit is open at that block."""
    RESPONSE_NOT_SPENDING_CHALLENGE = "response_not_spending_challenge"
    """A response's transfer does not spend the challenging leaf (its previous block differs)."""
    RESPONSE_OUTSIDE_HISTORY = "response_outside_history"
    """A response's transfer is not after the challenging leaf and up to the exit's parent."""
    RESPONSE_NOT_SIGNED_BY_OWNER = "response_not_signed_by_owner"
    """A response's transfer is not signed by the owner the challenging leaf gave the coin to."""
    EXIT_NOT_MATURE = "exit_not_mature"
    """A coin exit is finalized before its exitable time."""

    # Settlement layer: time (spec/settlement/time.py)
    TIME_NOT_INCREASING = "time_not_increasing"
    """Settlement time only moves forward."""

    # Payments child chain (spec/environments/payments/chain.py)
    TX_NO_INPUTS = "tx_no_inputs"
    """A payment spends at least one input."""
    TX_TOO_MANY_INPUTS = "tx_too_many_inputs"
    """A payment spends at most MAX_INPUTS inputs."""
    TX_NO_OUTPUTS = "tx_no_outputs"
    """A payment creates at least one output."""
    TX_TOO_MANY_OUTPUTS = "tx_too_many_outputs"
    """A payment creates at most MAX_OUTPUTS outputs."""
    TX_SIGNATURE_COUNT_MISMATCH = "tx_signature_count_mismatch"
    """A payment carries exactly one signature per input."""
    TX_DUPLICATE_INPUT = "tx_duplicate_input"
    """A payment names the same input twice."""
    TX_INPUT_NOT_UNSPENT = "tx_input_not_unspent"
    """A payment input is not in the UTXO set (spent, exited or never created)."""
    TX_INPUT_NOT_SIGNED_BY_OWNER = "tx_input_not_signed_by_owner"
    """An input's signature does not recover to the owner of that input."""
    OUTPUT_AMOUNT_ZERO = "output_amount_zero"
    """Every output (payment, fee claim or deposit) carries a positive amount."""
    TX_OUTPUTS_EXCEED_INPUTS = "tx_outputs_exceed_inputs"
    """For some token, a payment's outputs sum to more than its inputs."""
    FEE_CLAIM_NOT_TO_OPERATOR = "fee_claim_not_to_operator"
    """A fee claim pays only the environment's operator."""
    FEE_CLAIM_EXCEEDS_FEES = "fee_claim_exceeds_fees"
    """A fee claim takes more of a token than the block's payments left unclaimed so far."""
    DEPOSIT_IN_CHILD_BLOCK = "deposit_in_child_block"
    """Deposit transactions come only from the settlement layer, never in a child block."""
    BLOCK_TOO_LARGE = "block_too_large"
    """A block holds more transactions than its Merkle tree has leaves."""
    BLOCK_NUMBER_NOT_INCREASING = "block_number_not_increasing"
    """The child chain applies blocks and deposits in strictly increasing number order."""
    EXITED_OUTPUT_NOT_UNSPENT = "exited_output_not_unspent"
    """A processed exit can be applied to the child chain only for an unspent output."""

    # Cash child chain (spec/environments/cash/chain.py); it also raises
    # BLOCK_NUMBER_NOT_INCREASING, COIN_TREE_FULL and OUTPUT_AMOUNT_ZERO
    TRANSFER_COIN_REPEATED = "transfer_coin_repeated"
    """A child block moves one coin twice; a block has one leaf per coin."""
    TRANSFER_COIN_UNKNOWN = "transfer_coin_unknown"
    """A transfer names a coin that is not live on the child chain (never minted, or retired)."""
    TRANSFER_NOT_FROM_LAST_BLOCK = "transfer_not_from_last_block"
    """A transfer's previous block is not the block of the coin's latest mint or transfer."""
    TRANSFER_NOT_SIGNED_BY_OWNER = "transfer_not_signed_by_owner"
    """A transfer's signature does not recover to the coin's current owner."""
    EXITED_COIN_UNKNOWN = "exited_coin_unknown"
    """A finalized coin exit can be applied to the child chain only for a live coin."""

    # Committee finality (spec/finality/)
    COMMITTEE_EMPTY = "committee_empty"
    """A committee has at least one validator."""
    COMMITTEE_TOO_LARGE = "committee_too_large"
    """A committee has at most MAX_COMMITTEE_SIZE validators."""
    COMMITTEE_NOT_ORDERED = "committee_not_ordered"
    """Committee members are listed in strictly increasing address order (none twice)."""
    COMMITTEE_ZERO_STAKE = "committee_zero_stake"
    """Every committee member holds a positive stake."""
    GENESIS_CERTIFICATE_INVALID = "genesis_certificate_invalid"
    """The only certificate of view 0 is the chain's genesis certificate."""
    CERTIFICATE_SIGNER_UNKNOWN = "certificate_signer_unknown"
    """A certificate's signature recovers to an address outside the committee."""
    CERTIFICATE_SIGNER_DUPLICATE = "certificate_signer_duplicate"
    """A certificate carries two signatures of one member."""
    CERTIFICATE_QUORUM_SHORT = "certificate_quorum_short"
    """A certificate's signers hold less than a quorum of stake."""
    AGGREGATE_HIGH_QC_NOT_HIGHEST = "aggregate_high_qc_not_highest"
    """An aggregate attaches the certificate of the highest view its signers reported."""
    AGGREGATE_HIGH_QC_TOO_RECENT = "aggregate_high_qc_too_recent"
    """An aggregate's (or a timeout's) certificate is of a view before the view that ended."""
    BLOCK_WRONG_CHAIN = "block_wrong_chain"
    """A consensus block belongs to another chain than the one judging it."""
    BLOCK_VIEW_NOT_AFTER_JUSTIFY = "block_view_not_after_justify"
    """A block's view is its justification's view plus one."""
    BLOCK_PARENT_NOT_CERTIFIED = "block_parent_not_certified"
    """A block's parent is the block its justification certifies."""
    PROPOSER_NOT_LEADER = "proposer_not_leader"
    """A proposal is made and signed by the leader of its block's view."""
    BLOCK_VIEW_STALE = "block_view_stale"
    """A replica votes only for blocks of its current view or a later one."""
    VIEW_ALREADY_VOTED = "view_already_voted"
    """A replica votes at most once per view, in increasing views."""
    PROPOSAL_EQUIVOCATION = "proposal_equivocation"
    """A leader proposes one block per view; a second one is evidence of equivocation."""
    NOT_NEXT_LEADER = "not_next_leader"
    """Votes and timeouts of a view go to the leader of the next view."""
    MESSAGE_STALE = "message_stale"
    """A vote or timeout is of a view the receiving leader has already moved past."""
    VOTE_DUPLICATE = "vote_duplicate"
    """A member's vote on a block is counted once."""
    VOTE_EQUIVOCATION = "vote_equivocation"
    """A member votes for one block per view; a second one is evidence of equivocation."""
    TIMEOUT_DUPLICATE = "timeout_duplicate"
    """A member's timeout of a view is counted once."""
    TIMER_STALE = "timer_stale"
    """A replica's timer counts only for the view the replica is in."""
    VIEW_ALREADY_PROPOSED = "view_already_proposed"
    """A leader proposes at most once in a view."""
    PROPOSAL_NOT_JUSTIFIED = "proposal_not_justified"
    """A leader proposes only holding the previous view's certificate or aggregate."""
    COMMIT_CHAIN_BROKEN = "commit_chain_broken"
    """Each block of a commit proof is the parent of the next."""
    COMMIT_CHILD_NOT_NEXT_VIEW = "commit_child_not_next_view"
    """A commit proof's child is of the view right after the directly committed block's."""
    COMMIT_CERTIFICATE_WRONG_BLOCK = "commit_certificate_wrong_block"
    """A commit proof's certificate is for its child block, in the child's view."""

    # Certified blocks at settlement (spec/settlement/certified.py)
    CERTIFICATE_REQUIRED = "certificate_required"
    """A committee environment accepts child blocks only with a commit proof."""
    NO_COMMITTEE = "no_committee"
    """Only an environment registered with a committee accepts certified blocks."""
    ENVIRONMENT_HALTED = "environment_halted"
    """An environment whose committee committed conflicting blocks takes no blocks or deposits."""
    CERTIFIED_BLOCK_NOT_EXTENDING_HEAD = "certified_block_not_extending_head"
    """A certified block's parent is the last block the settlement layer accepted."""
    CONFLICT_SAME_BLOCK = "conflict_same_block"
    """Evidence of conflicting commits names two different blocks."""
    CONFLICT_NOT_SIBLINGS = "conflict_not_siblings"
    """Evidence of conflicting commits names two blocks with the same parent."""


class Rejected(Exception):  # noqa: N818 - "Rejected" reads as the outcome it reports
    """Raised when input breaks a rule; carries the one reason for it."""

    def __init__(self, reason: RejectionReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        """The rule that was broken."""
        self.detail = detail
        """Free text for people; never compared by conformance checks."""


def require(condition: bool, reason: RejectionReason, detail: str = "") -> None:
    """Reject with ``reason`` unless ``condition`` holds.

    Raises:
        Rejected: with ``reason`` when ``condition`` is false.
    """
    if not condition:
        reject(reason, detail)


def reject(reason: RejectionReason, detail: str = "") -> NoReturn:
    """Reject unconditionally with ``reason``.

    Raises:
        Rejected: always, with ``reason``.
    """
    raise Rejected(reason, detail)
