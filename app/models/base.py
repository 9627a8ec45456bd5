"""Declarative base with a constraint naming convention, and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (used as a column default)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the zone (timestamptz); SQLite stores text without it, so values are
    normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base class of every Ruwo model."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def enum_column(enum_cls: type, length: int = 20) -> sa.Enum:
    """A portable (VARCHAR + CHECK) column for a StrEnum, storing its values."""
    return sa.Enum(
        enum_cls,
        name=enum_cls.__name__.lower(),
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def max_length(attribute: InstrumentedAttribute) -> int:
    """The length of a String column (``max_length(Hall.name)`` → 120): the one source of
    every length limit that validation checks before a value reaches the database."""
    length = getattr(attribute.property.columns[0].type, "length", None)
    if length is None:
        raise TypeError(f"{attribute} has no length")
    return int(length)
