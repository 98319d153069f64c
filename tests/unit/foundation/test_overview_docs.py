"""The overview pages (README.md, docs/architecture.md) name what exists, and only what exists.

Someone new reads these two pages first. They fail the reader in two ways: a part that exists but is not
there (a function added to the template, a package added to the shared layer), and a part they name that is
gone or was never built. Both are checked against the sources of truth: `template.yaml` for functions and
layers, the shared package's directory for packages and modules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from devstack.template import load_template

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "layers" / "shared" / "receptionist"
PAGES = {"README.md": ROOT / "README.md", "docs/architecture.md": ROOT / "docs" / "architecture.md"}

# A function's logical id: a capitalised word ending in "Function" (not "AWS::Serverless::Function").
FUNCTION_NAME = re.compile(r"(?<![:\w])([A-Z][A-Za-z]+Function)\b")
# A dotted or slashed path into the shared package: `receptionist.ops.forget`, `receptionist/agent`,
# `layers/shared/receptionist/crm`; not an SSM name (`/receptionist/dev/...`) or another file called so.
PACKAGE_PATH = re.compile(r"(?:(?<![/\w-])|(?<=shared/))receptionist[./]([a-z0-9_]+(?:[./][a-z0-9_]+)*)")
LAYER_DIR = re.compile(r"\b(deps-[a-z]+)\b")
# The first cell of a row of the package table in docs/architecture.md: `name/` or `name.py`, comma-separated.
TABLE_CELL = re.compile(r"`([a-z0-9_/]+(?:\.py)?)`")


def _text(page: str) -> str:
    return PAGES[page].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


def _functions(template: dict[str, Any]) -> set[str]:
    return {name for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def _dependency_layers(template: dict[str, Any]) -> set[str]:
    uris = (r["Properties"]["ContentUri"] for r in template["Resources"].values() if r["Type"].endswith("LayerVersion"))
    return {Path(uri).name for uri in uris if Path(uri).name.startswith("deps-")}


def _packages() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _modules() -> set[str]:
    return {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}


def _exists(dotted: str) -> bool:
    parts = re.split(r"[./]", dotted)
    # `receptionist.ops.forget` names a module; `receptionist/agent/runner.py` ends in a file suffix.
    if parts[-1] == "py":
        parts = parts[:-1]
        return PACKAGE.joinpath(*parts).with_suffix(".py").is_file()
    path = PACKAGE.joinpath(*parts)
    return (path / "__init__.py").is_file() or path.with_suffix(".py").is_file()


def _package_table(text: str) -> list[str]:
    """The first cell of each row under "## Package layout" in docs/architecture.md."""
    section = text.split("## Package layout", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in TABLE_CELL.findall(row.split("|")[1])]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_function_of_the_template_is_on_the_page(page: str, template: dict[str, Any]) -> None:
    missing = _functions(template) - set(FUNCTION_NAME.findall(_text(page)))
    assert not missing, f"{page} does not describe {sorted(missing)}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_names_no_function_the_template_lacks(page: str, template: dict[str, Any]) -> None:
    unknown = set(FUNCTION_NAME.findall(_text(page))) - _functions(template)
    assert not unknown, f"{page} names functions that template.yaml does not have: {sorted(unknown)}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_dependency_layer_is_on_the_page(page: str, template: dict[str, Any]) -> None:
    named, layers = set(LAYER_DIR.findall(_text(page))), _dependency_layers(template)
    assert layers <= named, f"{page} misses layers {layers - named}"
    assert named <= layers, f"{page} names layers that do not exist: {named - layers}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_package_of_the_shared_layer_is_on_the_page(page: str) -> None:
    text = _text(page)
    missing = {name for name in _packages() if f"`{name}/`" not in text and f"receptionist/{name}" not in text}
    assert not missing, f"{page} does not describe the packages {sorted(missing)}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_path_into_the_package_on_the_page_exists(page: str) -> None:
    gone = {path for path in PACKAGE_PATH.findall(_text(page)) if not _exists(path)}
    assert not gone, f"{page} names modules that do not exist: {sorted(gone)}"


def test_every_ops_command_is_on_both_pages() -> None:
    commands = {p.stem for p in (PACKAGE / "ops").glob("*.py") if p.stem not in {"__init__", "__main__"}}
    runnable = {name for name in commands if "__main__" in (PACKAGE / "ops" / f"{name}.py").read_text(encoding="utf-8")}
    for page in PAGES:
        text = _text(page)
        missing = {name for name in runnable if f"receptionist.ops.{name}" not in text and f"`{name}`" not in text}
        assert not missing, f"{page} does not describe the ops commands {sorted(missing)}"


def test_the_package_table_lists_every_package_and_module_and_nothing_else() -> None:
    listed = _package_table(_text("docs/architecture.md"))
    listed_names = {name.split("/")[0] for name in listed}
    expected = _packages() | _modules()
    assert not expected - listed_names, f"the package table misses {sorted(expected - listed_names)}"
    gone = {name for name in listed if not _exists(name.rstrip("/"))}
    assert not gone, f"the package table names what does not exist: {sorted(gone)}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_describes_the_present(page: str) -> None:
    """Sentences about a past state ("until the console exists", "not built") go stale the day they are written."""
    past = re.compile(r"until the \w+ exists|\bnot built\b|\bnot yet built\b|\bwas added\b|\bwere added\b", re.I)
    found = past.findall(_text(page))
    assert not found, f"{page} describes the past: {found}"
