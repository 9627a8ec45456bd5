"""Ruwo's models, re-exported so that ``from app.models import User`` works."""

from app.models.audit import AuditLog
from app.models.base import Base
from app.models.catalogue import (
    Hall,
    HallKind,
    RequiredMaterial,
    Scenario,
    ServiceFee,
    ServiceItem,
    Unit,
    Window,
    window_service_items,
)
from app.models.user import Role, User
from app.models.visit import (
    MARKS,
    Assignment,
    AssignmentState,
    InvalidTransition,
    MaterialKind,
    Photo,
    SurveyVersion,
    Visit,
    VisitAnswer,
    VisitMaterial,
    VisitState,
)

__all__ = [
    "MARKS",
    "Assignment",
    "AssignmentState",
    "AuditLog",
    "InvalidTransition",
    "MaterialKind",
    "Photo",
    "SurveyVersion",
    "Visit",
    "VisitAnswer",
    "VisitMaterial",
    "VisitState",
    "Base",
    "Hall",
    "HallKind",
    "RequiredMaterial",
    "Role",
    "Scenario",
    "ServiceFee",
    "ServiceItem",
    "Unit",
    "User",
    "Window",
    "window_service_items",
]
