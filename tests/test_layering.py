"""The layers stay apart: services know nothing of the request, models nothing of services."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def imported_names(path: Path) -> set[str]:
    """Every module and "module.name" imported by ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_services_do_not_import_the_request() -> None:
    offenders = {str(path.relative_to(APP)): sorted(n for n in imported_names(path) if n in (
        "flask.request", "flask.session", "flask.g", "flask_login.current_user"))
        for path in (APP / "services").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_models_do_not_import_services() -> None:
    offenders = {str(path.relative_to(APP)): sorted(n for n in imported_names(path) if n.startswith("app.services"))
                 for path in (APP / "models").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(APP)): n for p in [*APP.rglob("*.py"), *APP.rglob("*.js")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
