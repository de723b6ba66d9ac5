"""The shape a reader relies on: the domain imports only the standard library, the layers
import one way, and the wheel ships the product without any stand-in."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute, at any depth of the file."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # from bot import x
    return found


def _layer(module: str) -> str | None:
    """``bot.store.sessions`` -> ``store``; ``bot.app`` -> ``app``; other packages -> None."""
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    return parts[1]


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def test_the_domain_imports_only_the_standard_library() -> None:
    for path in _modules(BOT / "sessions"):
        for module in _imports(path):
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names or module.startswith("bot.sessions"), (
                f"{path.relative_to(ROOT)} imports {module}"
            )


@pytest.mark.parametrize("layer", ["workflows", "store", "sessions"])
def test_inner_layers_never_speak_slack(layer: str) -> None:
    for path in _modules(BOT / layer):
        for module in _imports(path):
            assert _layer(module) not in {"slack", "listeners", "web", "workers", "app"}, (
                f"{path.relative_to(ROOT)} imports {module}"
            )


def test_no_import_cycle_between_bot_packages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in _modules(BOT):
        here = _layer(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for module in _imports(path):
            there = _layer(module)
            if here and there and there != here:
                edges[here].add(there)

    def cycle_from(start: str) -> list[str] | None:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    return [*trail, nxt]
                if nxt not in trail:
                    stack.append((nxt, [*trail, nxt]))
        return None

    for layer in list(edges):
        assert cycle_from(layer) is None, " -> ".join(cycle_from(layer) or [])


def test_the_product_never_imports_a_stand_in() -> None:
    for path in _modules(BOT):
        for module in _imports(path):
            assert module.split(".")[0] != "sandbox", f"{path.relative_to(ROOT)} imports {module}"
    assert not (BOT / "sandbox").exists()


def test_the_wheel_ships_bot_without_stand_ins(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make bootstraps it into .tools/)")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/app.py" in names
    assert "bot/sessions/transition.py" in names
    shipped = {name.split("/")[0] for name in names}
    assert all(top == "bot" or top.endswith(".dist-info") for top in shipped), shipped
    assert not [name for name in names if "sandbox" in name or "demo" in name]
