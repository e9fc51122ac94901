"""The scenario registry and runner.

A scenario is a short function that plays an attack (or an honest run) on a
funded world through a :class:`~adversary.payments.scenarios.play.Play`, registered
with :func:`scenario` together with its :class:`Expectation`. Its docstring
says what it plays; a paragraph starting ``Source:`` says where it comes from.

:func:`run_scenario` plays one scenario and compares what happened with what
was expected: payouts (who, how much, when), bond releases (whose bond, to
whom), rejected steps (who, which action, when, exactly which reason), actions that
could not be built, and final vault balances. It also fails the scenario when
funds moved without explanation or a catalogued settlement invariant broke,
and when the spec raises anything unexpected: a scenario never crashes the
runner, it reports a :class:`ScenarioResult` with ``passed=False`` and the
differences in words.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from adversary.payments.actors import make_funded_world
from adversary.payments.scenarios.play import Play
from adversary.payments.scenarios.records import (
    Expectation,
    Holding,
    MovementKind,
    Outcome,
    ScenarioResult,
    Step,
    VaultBalance,
    get_token_name,
)
from adversary.payments.world import World
from fixtures import ACTORS, OPERATOR, TOKENS, Actor, get_actor_name
from spec.primitives import Address

__all__ = [
    "Expectation",
    "Scenario",
    "ScenarioResult",
    "Step",
    "get_scenario",
    "list_scenarios",
    "play_scenario",
    "run_all",
    "run_scenario",
    "scenario",
]

Script = Callable[[Play], None]
"""The body of a scenario: actions on a play."""


@dataclass(frozen=True)
class Scenario:
    """A named, registered scenario."""

    name: str
    """Unique name (the function name with hyphens)."""
    summary: str
    """First line of the docstring."""
    description: str
    """The rest of the docstring, without the source."""
    source: str
    """Where the scenario comes from (the docstring's ``Source:`` paragraph)."""
    expectation: Expectation
    """The outcome the spec must produce."""
    operators: tuple[Actor, ...]
    """Operators of the environments the funded world starts with (env 0, 1, ...)."""
    script: Script
    """The actions."""


SCENARIOS: dict[str, Scenario] = {}
"""Every registered scenario, by name, in registration order."""


def parse_docstring(docstring: str) -> tuple[str, str, str]:
    """Return (summary, description, source) of a scenario's docstring."""
    paragraphs = inspect.cleandoc(docstring).split("\n\n")
    summary = paragraphs[0].strip()
    sources = [p for p in paragraphs[1:] if p.startswith("Source:")]
    assert len(sources) == 1, f"scenario '{summary}' needs one 'Source:' paragraph"
    source = " ".join(sources[0].removeprefix("Source:").split())
    body = [" ".join(p.split()) for p in paragraphs[1:] if p is not sources[0]]
    return summary, "\n\n".join(body), source


def scenario(
    expectation: Expectation, operators: tuple[Actor, ...] = (OPERATOR,)
) -> Callable[[Script], Script]:
    """Register the decorated function as a scenario with this expectation."""

    def register(script: Script) -> Script:
        name = script.__name__.replace("_", "-")
        assert name not in SCENARIOS, f"two scenarios named {name}"
        summary, description, source = parse_docstring(script.__doc__ or "")
        SCENARIOS[name] = Scenario(
            name, summary, description, source, expectation, operators, script
        )
        return script

    return register


def list_scenarios() -> list[Scenario]:
    """Return every registered scenario, in registration order."""
    return list(SCENARIOS.values())


def get_scenario(name: str) -> Scenario:
    """Return a scenario by name.

    Raises:
        KeyError: when no scenario has that name.
    """
    if name not in SCENARIOS:
        raise KeyError(f"no scenario named {name!r}")
    return SCENARIOS[name]


def run_scenario(name: str) -> ScenarioResult:
    """Play the named scenario and check its expectation."""
    return play_scenario(get_scenario(name))


def run_all() -> list[ScenarioResult]:
    """Play every scenario; return their results in registration order."""
    return [play_scenario(s) for s in list_scenarios()]


def play_scenario(scenario: Scenario) -> ScenarioResult:
    """Play a scenario on a fresh funded world and compare the outcome with its expectation.

    Never raises for what the spec does: any exception is reported as a difference.
    """
    play: Play | None = None
    differences: list[str] = []
    try:
        play = Play(make_funded_world(scenario.operators))
        initial = play.world
        scenario.script(play)
        differences += compare(scenario.expectation, play.steps, play.world)
        differences += play.problems
        holdings, vaults = compute_holdings(initial, play.world), compute_vaults(play.world)
    except Exception as error:
        differences.append(f"the scenario stopped: {type(error).__name__}: {error}")
        holdings, vaults = (), ()
    return ScenarioResult(
        name=scenario.name,
        summary=scenario.summary,
        description=scenario.description,
        source=scenario.source,
        expectation=scenario.expectation,
        passed=not differences,
        differences=tuple(differences),
        steps=tuple(play.steps) if play else (),
        holdings=holdings,
        vaults=vaults,
    )


# Comparison


def compare(expectation: Expectation, steps: list[Step], world: World) -> list[str]:
    """Return every way the timeline and the final world differ from the expectation."""
    expected_vaults = [describe_vault(v) for v in expectation.vaults]
    actual_vaults = [describe_vault(get_vault(world, v)) for v in expectation.vaults]
    return [
        *compare_lists("payouts", describe_expected_payouts(expectation), observe_payouts(steps)),
        *compare_lists("bonds", describe_expected_bonds(expectation), observe_bonds(steps)),
        *compare_lists(
            "rejections", describe_expected_rejections(expectation), observe_rejections(steps)
        ),
        *compare_lists(
            "impossible actions",
            [f"{a.actor.name} could not {a.action}" for a in expectation.impossible],
            [
                f"{name(s.actor)} could not {s.kind}"
                for s in steps
                if s.outcome == Outcome.IMPOSSIBLE
            ],
        ),
        *compare_lists("vaults", expected_vaults, actual_vaults),
    ]


def compare_lists(label: str, expected: list[str], observed: list[str]) -> list[str]:
    """Return one difference when two lists of facts differ, naming both."""
    if expected == observed:
        return []
    return [f"{label}: expected [{'; '.join(expected)}], got [{'; '.join(observed)}]"]


def name(address: Address | None) -> str:
    """Return the name of an actor's address."""
    return "nobody" if address is None else get_actor_name(address)


def describe_expected_payouts(expectation: Expectation) -> list[str]:
    """Return the expected payouts in words."""
    return [
        f"{p.owner.name} paid {p.amount} {get_token_name(p.token)} at t+{p.at}"
        for p in expectation.payouts
    ]


def observe_payouts(steps: list[Step]) -> list[str]:
    """Return the payouts of the timeline in words."""
    return [
        f"{name(m.account)} paid {m.amount} {get_token_name(m.token)} at t+{s.time}"
        for s in steps
        for m in s.movements
        if m.kind == MovementKind.PAID
    ]


def describe_expected_bonds(expectation: Expectation) -> list[str]:
    """Return the expected bond releases in words."""
    return [f"{b.exiter.name}'s bond of {b.amount} to {b.to.name}" for b in expectation.bonds]


def observe_bonds(steps: list[Step]) -> list[str]:
    """Return the bond releases of the timeline in words."""
    released = []
    for step in steps:
        for m in step.movements:
            if m.kind == MovementKind.BOND_RETURNED:
                released.append(f"{name(m.account)}'s bond of {m.amount} to {name(m.account)}")
            elif m.kind == MovementKind.BOND_AWARDED:
                released.append(f"{name(m.exiter)}'s bond of {m.amount} to {name(m.account)}")
    return released


def describe_expected_rejections(expectation: Expectation) -> list[str]:
    """Return the expected rejections in words."""
    return [
        f"{r.actor.name} {r.action} rejected at t+{r.at}: {r.reason}"
        for r in expectation.rejections
    ]


def observe_rejections(steps: list[Step]) -> list[str]:
    """Return the rejections of the timeline in words."""
    return [
        f"{name(s.actor)} {s.kind} rejected at t+{s.time}: {s.reason}"
        for s in steps
        if s.outcome == Outcome.REJECTED
    ]


def get_vault(world: World, expected: VaultBalance) -> VaultBalance:
    """Return the actual balance of the vault an expectation names, in plain integers."""
    environment = world.settlement.environments[expected.environment]
    deposited = int(environment.deposited.get(expected.token, 0))
    amount = deposited - int(environment.withdrawn.get(expected.token, 0))
    return VaultBalance(expected.environment, amount, expected.token)


def describe_vault(vault: VaultBalance) -> str:
    """Return a vault balance in words."""
    return f"env {vault.environment} vault holds {vault.amount} {get_token_name(vault.token)}"


# Summary


def compute_holdings(initial: World, final: World) -> tuple[Holding, ...]:
    """Return the non-zero change of every named actor's settlement balance of every token."""
    changes = (
        Holding(actor.address, token, balance(final, actor, token) - balance(initial, actor, token))
        for actor in ACTORS
        for token in TOKENS
    )
    return tuple(h for h in changes if h.change)


def balance(world: World, actor: Actor, token: Address) -> int:
    """Return an actor's settlement balance of a token, as a plain integer."""
    return int(world.settlement.balances.get((actor.address, token), 0))


def compute_vaults(world: World) -> tuple[VaultBalance, ...]:
    """Return the balance of every vault that ever held a token, in plain integers."""
    return tuple(
        get_vault(world, VaultBalance(env_id, 0, token))
        for env_id, environment in enumerate(world.settlement.environments)
        for token in sorted(environment.deposited)
    )
