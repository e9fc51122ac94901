"""Render a scenario's result for readers: description, timeline, expectation, who holds what.

Times are seconds since the scenario started (``t+30``); actors are named
with :func:`~adversary.payments.actors.get_actor_name`; amounts are in each token's
base unit. Under each accepted step come the funds it moved.
"""

from __future__ import annotations

import textwrap

from adversary.payments.scenarios.records import (
    Expectation,
    Movement,
    MovementKind,
    Outcome,
    ScenarioResult,
    Step,
    get_token_name,
)
from fixtures import get_actor_name

WIDTH = 88
"""Width of the rendered text."""

ACTOR_COLUMN = 13
"""Width of the actor column of the timeline."""

HANGING_INDENT = " " * 22
"""Indent of a timeline line's continuation and of the funds a step moved."""


def wrap(text: str, indent: str = "") -> str:
    """Return ``text`` wrapped to WIDTH with ``indent`` on every line."""
    return textwrap.fill(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def render_result(result: ScenarioResult) -> str:
    """Return the full text of a scenario's result."""
    verdict = "PASSED" if result.passed else "FAILED"
    sections = [
        f"Scenario {result.name}: {verdict}\n{wrap(result.summary)}",
        "\n\n".join(wrap(paragraph) for paragraph in result.description.split("\n\n")),
        wrap(f"Source: {result.source}"),
        render_timeline(result.steps),
        render_expectation(result.expectation),
        render_holdings(result),
    ]
    if result.differences:
        lines = [wrap(difference, "  - ") for difference in result.differences]
        sections.append("What differed from the expectation:\n" + "\n".join(lines))
    return "\n\n".join(section for section in sections if section) + "\n"


def render_timeline(steps: tuple[Step, ...]) -> str:
    """Return the timeline, one line per step and one per fund movement."""
    lines = ["Timeline (t+seconds since the start):"]
    for step in steps:
        lines.append(render_step(step))
        lines.extend(wrap(f"· {describe_movement(m)}", HANGING_INDENT) for m in step.movements)
    return "\n".join(lines)


def render_step(step: Step) -> str:
    """Return one step: time, actor, action and outcome."""
    time = f"t+{step.time}"
    prefix = f"  {time:<7}{get_actor_name(step.actor):<{ACTOR_COLUMN}}"
    return textwrap.fill(
        f"{step.action}: {describe_outcome(step)}",
        WIDTH,
        initial_indent=prefix,
        subsequent_indent=HANGING_INDENT,
        break_on_hyphens=False,
    )


def describe_outcome(step: Step) -> str:
    """Return how a step ended, in words."""
    if step.outcome == Outcome.REJECTED:
        return f"REJECTED ({step.reason})"
    if step.outcome == Outcome.IMPOSSIBLE:
        return f"impossible ({step.detail})"
    if step.outcome == Outcome.OFF_CHAIN:
        return f"done off chain ({step.detail})" if step.detail else "done off chain"
    return "accepted"


def describe_movement(movement: Movement) -> str:
    """Return one fund movement in words."""
    account = get_actor_name(movement.account)
    amount = f"{movement.amount} {get_token_name(movement.token)}"
    exit_label = f"exit #{movement.exit_id}"
    match movement.kind:
        case MovementKind.DEPOSITED:
            return f"{account} locks {amount} in the vault of env {movement.environment}"
        case MovementKind.BOND_POSTED:
            return f"{account} posts a bond of {movement.amount} for {exit_label}"
        case MovementKind.PAID:
            return f"{account} is paid {amount} by {exit_label}"
        case MovementKind.BOND_RETURNED:
            return f"{account} gets back the bond of {movement.amount} of {exit_label}"
        case MovementKind.BOND_AWARDED:
            exiter = get_actor_name(movement.exiter) if movement.exiter else "?"
            return f"{account} wins {exiter}'s bond of {movement.amount} ({exit_label})"


def render_expectation(expectation: Expectation) -> str:
    """Return the expected outcome in words."""
    lines = ["Expected:"]
    lines += [
        f"  - {p.owner.name} paid {p.amount} {get_token_name(p.token)} at t+{p.at}"
        for p in expectation.payouts
    ]
    lines += [
        f"  - {b.exiter.name}'s bond of {b.amount} goes to {b.to.name}" for b in expectation.bonds
    ]
    lines += [
        f"  - {r.actor.name}'s {r.action} at t+{r.at} rejected with {r.reason}"
        for r in expectation.rejections
    ]
    lines += [f"  - {i.actor.name} cannot {i.action}" for i in expectation.impossible]
    lines += [
        f"  - env {v.environment} vault ends with {v.amount} {get_token_name(v.token)}"
        for v in expectation.vaults
    ]
    return "\n".join(lines)


def render_holdings(result: ScenarioResult) -> str:
    """Return who holds what at the end: balance changes and vaults."""
    lines = ["Who holds what (settlement balance change since the start):"]
    lines += [
        f"  {get_actor_name(h.actor):<{ACTOR_COLUMN}}{h.change:+} {get_token_name(h.token)}"
        for h in result.holdings
    ]
    if not result.holdings:
        lines.append("  nobody's balance changed")
    lines += [
        f"  vault of env {v.environment}: {v.amount} {get_token_name(v.token)}"
        for v in result.vaults
    ]
    return "\n".join(lines)
