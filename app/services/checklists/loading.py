"""Checklist template files: read from surveys/, validated, and kept per app.

Files are validated when the app starts and by ``flask surveys check``; a problem names the
file, the question key and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from flask import Flask, current_app
from pydantic import ValidationError

from app.services.checklists.schema import Template
from app.services.errors import ServiceError

#: libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SurveyError(click.ClickException):
    """A template file is broken. A ClickException, so that `flask ...` prints it plainly."""


def _describe(raw: Any, loc: tuple) -> str:
    """Turn a pydantic error location into 'question "key"' or 'section "key"' where possible."""
    where = "template"
    node = raw
    for index, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        if isinstance(node, dict) and "key" in node and index > 0:
            kind = "question" if loc[index - 1] == "questions" else "section"
            where = f"{kind} '{node.get('key')}'"
    field = ".".join(str(p) for p in loc if not isinstance(p, int) and p not in ("sections", "questions"))
    return f"{where}{': ' + field if field else ''}"


def _display_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(path: Path) -> Template:
    """Read and validate one template file; raise SurveyError naming file, question and problem."""
    name = _display_name(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SurveyError(f"{name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SurveyError(f"{name}: template: the file must hold a mapping with key, version and sections")
    try:
        return Template.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if message.startswith("question '"):
                problems.append(message)
            else:
                problems.append(f"{_describe(raw, tuple(error['loc']))}: {message}")
        raise SurveyError(f"{name}: " + f"\n{name}: ".join(problems)) from exc


def load_folder(folder: Path) -> dict[tuple[str, int], Template]:
    """Every template in ``folder`` (*.yaml, *.yml), keyed by (key, version)."""
    templates: dict[tuple[str, int], Template] = {}
    errors = []
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in files:
        try:
            template = load_file(path)
        except SurveyError as exc:
            errors.append(exc.message)
            continue
        ident = (template.key, template.version)
        if ident in templates:
            errors.append(f"{_display_name(path)}: template: {template.key} version {template.version} "
                          "is defined twice")
        templates[ident] = template
    if errors:
        raise SurveyError("\n".join(errors))
    if not templates:
        raise SurveyError(f"{_display_name(folder)}: no checklist template (*.yaml) found")
    return templates


class Registry:
    """The templates of one app, loaded at start-up."""

    def __init__(self, templates: dict[tuple[str, int], Template], default_key: str) -> None:
        self.templates = templates
        if not any(key == default_key for key, _v in templates):
            raise SurveyError(f"no checklist template has the key '{default_key}' (SURVEY_DEFAULT)")
        self.default_key = default_key

    def current(self, key: str | None = None) -> Template:
        """The highest version of ``key`` (default: the default template)."""
        key = key or self.default_key
        versions = [t for (k, _v), t in self.templates.items() if k == key]
        if not versions:
            raise ServiceError(f"unknown checklist template {key}")
        return max(versions, key=lambda t: t.version)


def init_app(app: Flask) -> None:
    """Load and validate the templates when the app is created."""
    folder = Path(app.config.get("SURVEYS_PATH") or Path(app.root_path).parent / "surveys")
    app.extensions["ruwo_surveys"] = Registry(load_folder(folder), app.config["SURVEY_DEFAULT"])


def registry() -> Registry:
    """The templates of the current app."""
    return current_app.extensions["ruwo_surveys"]
