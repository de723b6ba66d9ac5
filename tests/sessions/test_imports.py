"""The layers hold: the domain imports only the standard library, and nothing that stores or
decides imports Slack rendering."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((BOT / package).rglob("*.py")):
        modules: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
                modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(BOT.parent))] = modules
    return found


def test_the_domain_imports_only_the_standard_library() -> None:
    for path, modules in _imports("sessions").items():
        outside = {
            name
            for name in modules
            if not name.startswith("bot.sessions")
            and name.split(".")[0] not in sys.stdlib_module_names
        }
        assert not outside, f"{path} imports {sorted(outside)}"


def test_workflows_and_store_do_not_import_slack() -> None:
    for package in ("workflows", "store", "sessions"):
        for path, modules in _imports(package).items():
            slack = {
                name for name in modules if name == "bot.slack" or name.startswith("bot.slack.")
            }
            assert not slack, f"{path} imports {sorted(slack)}"
