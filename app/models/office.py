"""The issuing office's particulars, printed on the documents Ruwo drafts (通报, 整改通知)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


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
