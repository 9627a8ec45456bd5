"""The issuing office's particulars, printed on the documents Ruwo drafts (通报, 整改通知), and
the numbers its register gave them."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class OfficeSettings(Base):
    """One row (id 1): what an administrator sets; empty text means "use the default"."""

    __tablename__ = "office_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 发文机关 (版头), e.g. 安远县“如我+”暗访工作领导小组办公室.
    office_name: Mapped[str] = mapped_column(sa.String(100), default="")
    #: 发文字号 prefix, e.g. 安如我办 → 安如我办〔2026〕3号.
    number_prefix: Mapped[str] = mapped_column(sa.String(30), default="")
    #: 落款 (发文机关署名).
    signatory: Mapped[str] = mapped_column(sa.String(100), default="")
    #: 主送机关 of a 通报.
    addressee: Mapped[str] = mapped_column(sa.String(200), default="")


class DocumentNumber(Base):
    """A 发文字号 the office gave a document in its own register (发文登记), which also numbers
    documents Ruwo knows nothing of; so Ruwo keeps the number it is told and never guesses one.

    ``subject`` names the document: ``circular:campaign:<id>``, ``circular:period:<from>:<to>``
    or ``notice:unit:<id>:<YYYY-MM-DD>``. ``series`` is ``circular`` (代字) or ``notice`` (代字 + 改).
    """

    __tablename__ = "document_numbers"
    __table_args__ = (sa.UniqueConstraint("series", "year", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(80), unique=True)
    series: Mapped[str] = mapped_column(sa.String(20))
    year: Mapped[int]
    serial: Mapped[int]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
