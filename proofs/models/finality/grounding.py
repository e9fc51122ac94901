"""Small finite models for the searches that expect sat (negative controls, non-vacuity).

A proof quantifies over unbounded sorts; a search for a counterexample
(or a witness) is fast and repeatable only when it is quantifier free. The
searches here fix a small universe (:data:`SMALL_SIZES` named elements per
sort), expand every quantifier into a conjunction or disjunction over those
elements, and require every uninterpreted term of a sort to equal one of
them. A model of the result is a model of the quantified assertions (its
elements, closed under every function, form the universe), so a sat answer
here is a genuine counterexample; an unsat answer only says that no small
one exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from proofs.models.finality.protocol import BLOCK, QUORUM, REPLICA, VIEW

SMALL_SIZES = {VIEW: 6, BLOCK: 5, REPLICA: 4, QUORUM: 3}
"""How many elements each sort has in the small models."""


def make_elements() -> dict[z3.SortRef, list[z3.ExprRef]]:
    """Return the named elements of the small universe, by sort."""
    return {
        sort: [z3.Const(f"small.{sort}.{k}", sort) for k in range(size)]
        for sort, size in SMALL_SIZES.items()
    }


SHARED: dict[str, Expander] = {}
"""One expander for every search of a run: the searches share their axioms and pre-state
invariants (the same terms), so each is expanded once."""


class Expander:
    """Expands quantifiers over the small universe, rebuilding only what contains one."""

    def __init__(self, elements: dict[z3.SortRef, list[z3.ExprRef]]) -> None:
        """Prepare to expand over ``elements``."""
        self.elements = elements
        self.done: dict[int, tuple[z3.ExprRef, z3.ExprRef]] = {}

    def expand(self, term: z3.ExprRef) -> z3.ExprRef:
        """Return ``term`` with every quantifier expanded (memoized by term)."""
        cached = self.done.get(term.get_id())
        if cached is not None:
            return cached[1]
        result = term
        if z3.is_quantifier(term):
            choices: list[list[z3.ExprRef]] = [[]]
            for index in range(term.num_vars()):
                domain = self.elements[term.var_sort(index)]
                choices = [[*chosen, value] for chosen in choices for value in domain]
            body = term.body()
            cases = [self.expand(z3.substitute_vars(body, *reversed(c))) for c in choices]
            result = z3.And(*cases) if term.is_forall() else z3.Or(*cases)
        elif z3.is_app(term) and term.num_args() > 0:
            children = term.children()
            expanded = [self.expand(child) for child in children]
            changed = any(a.get_id() != b.get_id() for a, b in zip(children, expanded, strict=True))
            result = term.decl()(*expanded) if changed else term
        self.done[term.get_id()] = (term, result)
        return result


def get_closure(
    assertions: Sequence[z3.ExprRef], elements: dict[z3.SortRef, list[z3.ExprRef]]
) -> list[z3.BoolRef]:
    """Return: every constant and function value of the sorts is one of the elements.

    The uninterpreted symbols are read from ``assertions`` before expansion
    (small terms); a function gets one constraint per tuple of arguments.
    """
    symbols: dict[str, z3.FuncDeclRef] = {}
    seen: set[int] = set()
    stack = list(assertions)
    while stack:
        term = stack.pop()
        if term.get_id() in seen:
            continue
        seen.add(term.get_id())
        if z3.is_quantifier(term):
            stack.append(term.body())
        elif z3.is_app(term):
            stack.extend(term.children())
            decl = term.decl()
            if decl.kind() == z3.Z3_OP_UNINTERPRETED and decl.range() in elements:
                symbols[decl.name()] = decl
    named = {e.get_id() for values in elements.values() for e in values}
    closure = []
    for decl in symbols.values():
        tuples: list[list[z3.ExprRef]] = [[]]
        for index in range(decl.arity()):
            domain = elements[decl.domain(index)]
            tuples = [[*chosen, value] for chosen in tuples for value in domain]
        for arguments in tuples:
            value = decl(*arguments)
            if value.get_id() not in named:
                closure.append(z3.Or(*(value == e for e in elements[decl.range()])))
    return closure


def ground(assertions: Sequence[z3.BoolRef]) -> tuple[list[z3.BoolRef], list[z3.ExprRef]]:
    """Return quantifier-free assertions over the small universe, and its elements.

    Every quantifier is expanded, and every uninterpreted term of the
    model's sorts (constants, function values) is constrained to one of the
    elements, so the elements are closed under the model's functions.
    """
    elements = make_elements()
    expander = SHARED.setdefault("expander", Expander(elements))
    expanded = [expander.expand(assertion) for assertion in assertions]
    flat = [element for values in elements.values() for element in values]
    return [*expanded, *get_closure(assertions, elements)], flat
