"""Checks on `sam build` output (.aws-sam/build): `make test` builds before running these.

The layers are fetched for python3.13/arm64 on a machine that is neither, so this is where a
wrong wheel would show: every native library must be aarch64 and built for CPython 3.13.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
EM_AARCH64 = 183

FUNCTION_LAYERS = {
    "WebhookFunction": ["SharedLayer", "DepsLightLayer"],
    "NotifierFunction": ["SharedLayer", "DepsLightLayer", "DepsDbLayer"],
    "ProcessorFunction": ["SharedLayer", "DepsLightLayer", "DepsDbLayer", "DepsAgentLayer"],
    "SweeperFunction": ["SharedLayer", "DepsLightLayer"],
    "RetentionFunction": ["SharedLayer", "DepsLightLayer", "DepsDbLayer"],
}


@pytest.fixture(autouse=True, scope="module")
def _built() -> None:
    assert (BUILD / "template.yaml").exists(), "no .aws-sam/build: run `make build` (make test does)"


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _elf_machine(path: Path) -> int | None:
    with path.open("rb") as fh:
        head = fh.read(20)
    if head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def test_every_native_binary_is_aarch64() -> None:
    elves = [p for p in BUILD.rglob("*") if p.is_file() and _elf_machine(p) is not None]
    assert elves, "expected native extensions (pydantic_core, psycopg_binary...) in the layers"
    wrong = [str(p.relative_to(BUILD)) for p in elves if _elf_machine(p) != EM_AARCH64]
    assert wrong == []


def test_nothing_built_for_the_host_python() -> None:
    host = [str(p.relative_to(BUILD)) for p in BUILD.rglob("*") if "cpython-311" in p.name or "x86_64" in p.name]
    assert host == []
    extensions = [p.name for p in BUILD.rglob("*.so") if "cpython-" in p.name]
    assert extensions and all("cpython-313-aarch64" in n for n in extensions)


@pytest.mark.parametrize("function", ["WebhookFunction", "SweeperFunction"])
def test_light_functions_carry_no_heavy_dependency(function: str) -> None:
    for layer in FUNCTION_LAYERS[function]:
        python = BUILD / layer / "python"
        present = {p.name for p in python.iterdir()}
        assert not present & {"langgraph", "langchain_core", "openai", "google", "psycopg", "psycopg_binary"}


@pytest.mark.parametrize("function", sorted(FUNCTION_LAYERS))
def test_function_fits_lambda_unzipped_limit(function: str) -> None:
    size = _tree_size(BUILD / function) + sum(_tree_size(BUILD / layer) for layer in FUNCTION_LAYERS[function])
    print(f"{function}: {size / 1024 / 1024:.1f} MiB unzipped (function + layers)")
    assert size < LAMBDA_UNZIPPED_LIMIT


def test_the_shared_layer_carries_compiled_catalogues_not_their_sources() -> None:
    from receptionist.i18n.catalogues import DOMAINS
    from receptionist.i18n.locales import LOCALES

    locale_dir = BUILD / "SharedLayer" / "python" / "receptionist" / "locale"
    expected = {f"{locale}/LC_MESSAGES/{domain}.mo" for locale in LOCALES for domain in DOMAINS}
    present = {str(p.relative_to(locale_dir)) for p in locale_dir.rglob("*") if p.is_file()}
    assert present == expected


def test_babel_keeps_the_cldr_data_of_every_locale_spoken_and_its_parents() -> None:
    from babel.core import get_global

    data = BUILD / "DepsDbLayer" / "python" / "babel" / "locale-data"
    kept = {p.stem for p in data.glob("*.dat")}
    assert 0 < len(kept) < 400, "the locale data should be trimmed to the project's languages"
    from receptionist.i18n.locales import LOCALES

    parents: dict[str, str] = get_global("parent_exceptions")
    for locale in LOCALES:
        name = locale
        while name != "root":
            assert name in kept, f"{name}.dat (in {locale}'s chain) was trimmed from the layer"
            name = parents.get(name) or ("_".join(name.split("_")[:-1]) or "root")
        assert "root" in kept
