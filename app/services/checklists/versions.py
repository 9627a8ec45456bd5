"""Pinning checklist versions: a visit keeps the key and version it began with.

The definition is copied into the database (SurveyVersion) the first time a version is used,
so editing a file never changes past visits — and editing it without raising the version is
refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlalchemy as sa

from app.extensions import db
from app.models import SurveyVersion
from app.services.checklists.schema import Template
from app.services.errors import ServiceError


def snapshot(template: Template) -> SurveyVersion:
    """The stored copy of ``template`` (made on first use); refuse a changed file, same version."""
    stored = db.session.scalar(sa.select(SurveyVersion).where(
        SurveyVersion.key == template.key, SurveyVersion.version == template.version))
    if stored is None:
        stored = SurveyVersion(key=template.key, version=template.version, sha256=template.sha256(),
                               definition=json.loads(template.canonical_json()))
        db.session.add(stored)
        db.session.flush()
    elif stored.sha256 != template.sha256():
        raise ServiceError(
            f"checklist {template.key} version {template.version} was changed after visits used it; "
            "give the changed file a new version number")
    return stored


#: Parsed stored versions, by (key, version, sha256): a stored version never changes, so it is
#: parsed and validated once per process (validating one costs more than the rest of a submit).
_PARSED: dict[tuple[str, int, str], Template] = {}
PARSED_MAX = 64


def stored_template(version: SurveyVersion) -> Template:
    """The template a visit is pinned to, from its stored copy (never the file); parsed once."""
    key = (version.key, version.version, version.sha256)
    template = _PARSED.get(key)
    if template is None:
        template = Template.model_validate(version.definition)
        if len(_PARSED) >= PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = template
    return template


def drifted(templates: Iterable[Template]) -> list[str]:
    """Files whose content differs from the stored copy of the same key and version."""
    problems = []
    for template in templates:
        stored = db.session.scalar(sa.select(SurveyVersion.sha256).where(
            SurveyVersion.key == template.key, SurveyVersion.version == template.version))
        if stored is not None and stored != template.sha256():
            problems.append(f"{template.key} version {template.version}: changed after visits used it; "
                            "raise the version number")
    return problems
