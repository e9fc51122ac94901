"""The architecture as the issue tracker states it, checked from the source.

- ``spec/settlement/`` names no environment kind: it reaches kinds only
  through the registry (``spec.environments.registry``);
- the registry (and its companion ``spec.environments.records``, the union of
  the kinds' settlement records) are the only modules outside a kind's own
  package that import it; a kind's ``records`` module reaches, through all its
  imports, nothing of the settlement layer, so the settlement state can name it;
- ``spec`` imports nothing above it, ``fixtures`` only ``spec``;
- ``reference`` imports neither ``adversary`` nor ``tests``;
- ``campaigns`` imports the checks (``adversary``, ``conformance``) and what they
  import, and only the command line imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from spec.environments.registry import KINDS

ROOT = Path(__file__).resolve().parent.parent

KIND_PACKAGES = tuple(f"spec.environments.{kind.value}" for kind in KINDS)
"""The package of every registered kind."""


def get_imported_modules(path: Path) -> set[str]:
    """Return every module a file imports (``from X import y`` counts X and X.y)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def get_module_name(path: Path) -> str:
    """Return the dotted module name of a file under the repository root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def get_python_files(package: str) -> list[Path]:
    """Return every Python file of a top-level folder."""
    return sorted((ROOT / package).rglob("*.py"))


def is_within(module: str, package: str) -> bool:
    """Return whether ``module`` is ``package`` or inside it."""
    return module == package or module.startswith(package + ".")


def test_every_kind_has_its_package() -> None:
    """Given the registry.

    When each kind's package is looked for,
    Then it exists under spec/environments/ (the checks below would be vacuous otherwise).
    """
    for package in KIND_PACKAGES:
        assert (ROOT / package.replace(".", "/") / "__init__.py").is_file(), package


@pytest.mark.parametrize("path", get_python_files("spec/settlement"), ids=lambda p: p.name)
def test_settlement_layer_imports_no_environment_kind(path: Path) -> None:
    """Given a module of spec/settlement/.

    When its imports are read,
    Then none is (or is inside) a kind's package: kinds are reached through the registry.
    """
    imported = get_imported_modules(path)
    named = sorted(m for m in imported for kind in KIND_PACKAGES if is_within(m, kind))
    assert not named, f"{path.name} imports {named}"


def test_only_the_registry_imports_kind_packages_from_outside() -> None:
    """Given every module of spec/ outside the kinds' own packages.

    When their imports are read,
    Then only the registry, the union of the kinds' records and the catalog's part
    for that kind (spec.invariants.<kind>) import a kind's package.
    """
    offenders = []
    for path in get_python_files("spec"):
        module = get_module_name(path)
        if module in ("spec.environments.registry", "spec.environments.records"):
            continue
        own = [kind for kind in KIND_PACKAGES if is_within(module, kind)]
        imported = get_imported_modules(path)
        for kind in KIND_PACKAGES:
            if kind not in own and any(is_within(m, kind) for m in imported):
                offenders.append(f"{module} imports {kind}")
    # The catalog states each kind's own invariants in spec.invariants.<kind>
    own_invariants = tuple(f"spec.invariants.{kind.value}" for kind in KINDS)
    offenders = [o for o in offenders if not o.split(" ")[0].startswith(own_invariants)]
    assert not offenders, offenders


def get_module_path(module: str) -> Path | None:
    """Return the file of a module of this project, or None if the name is not a module file."""
    base = ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def get_transitive_spec_imports(module: str) -> set[str]:
    """Return every spec module that ``module`` imports, directly or through others."""
    seen: set[str] = set()
    pending = [module]
    while pending:
        path = get_module_path(pending.pop())
        if path is None:
            continue
        for imported in get_imported_modules(path):
            if is_within(imported, "spec") and imported not in seen:
                seen.add(imported)
                pending.append(imported)
    return seen


@pytest.mark.parametrize("package", KIND_PACKAGES)
def test_kind_records_do_not_reach_the_settlement_state(package: str) -> None:
    """Given a kind's settlement records module.

    When its imports of this project are followed, transitively,
    Then none reaches the settlement layer or the kinds' registry: the settlement
    state imports the records, so they may name only lower modules (primitives,
    positions, encoding, the kind's own containers).
    """
    reached = get_transitive_spec_imports(f"{package}.records")
    forbidden = ("spec.settlement", "spec.environments.records", "spec.environments.registry")
    offenders = sorted(m for m in reached if any(is_within(m, f) for f in forbidden))
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("spec", ("spec",)),
        ("fixtures", ("spec", "fixtures")),
    ],
)
def test_lower_layers_import_nothing_above_them(package: str, allowed: tuple[str, ...]) -> None:
    """Given the spec and the fixtures.

    When their imports of this project's packages are read,
    Then they import only the packages below them.
    """
    project = (
        "spec",
        "fixtures",
        "reference",
        "proofs",
        "adversary",
        "conformance",
        "cli",
        "tests",
    )
    offenders = [
        f"{get_module_name(path)} imports {module}"
        for path in get_python_files(package)
        for module in get_imported_modules(path)
        if module.split(".")[0] in project and module.split(".")[0] not in allowed
    ]
    assert not offenders, offenders


def test_reference_imports_neither_adversary_nor_tests() -> None:
    """Given every module of reference/.

    When its imports are read,
    Then none is in adversary or tests (the reference is an implementation, not a test).
    """
    offenders = [
        f"{get_module_name(path)} imports {module}"
        for path in get_python_files("reference")
        for module in get_imported_modules(path)
        if module.split(".")[0] in ("adversary", "tests")
    ]
    assert not offenders, offenders


def test_campaigns_sit_between_the_checks_and_the_command_line() -> None:
    """Given every module of campaigns/, and of the packages below the command line.

    When their imports are read,
    Then campaigns imports only spec, fixtures, adversary, conformance and itself among this
    project's packages, and none of spec, fixtures, reference, proofs, adversary and
    conformance imports campaigns (the command line does).
    """
    project = ("spec", "fixtures", "reference", "proofs", "adversary", "conformance", "cli")
    allowed = ("spec", "fixtures", "adversary", "conformance", "campaigns")
    offenders = [
        f"{get_module_name(path)} imports {module}"
        for path in get_python_files("campaigns")
        for module in get_imported_modules(path)
        if module.split(".")[0] in (*project, "tests") and module.split(".")[0] not in allowed
    ]
    offenders += [
        f"{get_module_name(path)} imports {module}"
        for package in project[:-1]
        for path in get_python_files(package)
        for module in get_imported_modules(path)
        if module.split(".")[0] == "campaigns"
    ]
    assert get_python_files("campaigns"), "campaigns/ has no module"
    assert not offenders, offenders


def test_every_rule_has_its_own_comment() -> None:
    """Given every ``require``/``reject`` call of the spec (outside errors.py, which defines them).

    When the line above each is read,
    Then it is a ``# Verify ...`` comment stating the rule, at every raise site of every reason.
    """
    missing = []
    for path in get_python_files("spec"):
        if path.name == "errors.py":
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            is_rule = line.lstrip().startswith(("require(", "reject("))
            if is_rule and not lines[number - 1].strip().startswith("# Verify"):
                missing.append(f"{path.relative_to(ROOT)}:{number + 1}")
    assert not missing, missing


def test_reference_keeps_at_most_six_top_level_modules() -> None:
    """Given reference/.

    When the Python files directly inside it are counted (``__init__.py`` included),
    Then there are at most six: everything else lives in a subpackage that names its role.
    """
    top = sorted(path.name for path in (ROOT / "reference").glob("*.py"))
    assert len(top) <= 6, top
