"""Checklists: templates in surveys/, validated strictly, versioned and pinned; answers; rules.

- ``schema``: the pydantic models of a template (sections, questions, conditions, findings);
- ``types``: the question types, one class each, registered by name (``@question_type``);
- ``guide_rules``: the named rules over the guide and the hall, registered with the types they
  fit (``@guide_rule``); ``registries``: registrations undone at the end of a block;
- ``loading``: reading and validating the files, the registry of the app's templates;
- ``versions``: the copy of each version in the database that visits are pinned to;
- ``answers``: visible questions, cleaning and validating the phone's answers;
- ``rules``: the findings a visit's answers, timings and materials produce.

Callers use the package (``checklists.stored_template(...)``), not its modules.
"""

from app.services.checklists.answers import clean_answers, problems, visible
from app.services.checklists.guide_rules import GUIDE_RULES, GuideRule, guide_rule
from app.services.checklists.loading import (
    Registry,
    SurveyError,
    init_app,
    load_file,
    load_folder,
    registry,
)
from app.services.checklists.registries import temporary_registrations
from app.services.checklists.rules import Draft, evaluate, of_visit, propose
from app.services.checklists.schema import (
    CATEGORIES,
    SEVERITIES,
    Condition,
    FindingRule,
    Option,
    Question,
    QuestionProblem,
    Section,
    ShowIf,
    Template,
    Text,
)
from app.services.checklists.types import QUESTION_TYPES, TEXT_MAX_LENGTH, QuestionType, question_type
from app.services.checklists.versions import drifted, snapshot, stored_template

__all__ = [
    # Template files and the app's registry
    "SurveyError", "Registry", "init_app", "load_file", "load_folder", "registry",
    # The shape of a template
    "CATEGORIES", "SEVERITIES", "Condition", "FindingRule",
    "Option", "Question", "QuestionProblem", "Section", "ShowIf", "Template", "Text",
    # Question types and guide rules, each registered once
    "GUIDE_RULES", "QUESTION_TYPES", "GuideRule", "QuestionType", "guide_rule", "question_type",
    "temporary_registrations",
    # Pinned versions
    "drifted", "snapshot", "stored_template",
    # Answers
    "TEXT_MAX_LENGTH", "clean_answers", "problems", "visible",
    # Rules -> findings
    "Draft", "evaluate", "of_visit", "propose",
]
