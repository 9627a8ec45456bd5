"""audit log hash chain, purge anchors, and photo retention

Each audit row gets ``prev_hash`` and ``row_hash`` (SECURITY.md §6.29); the rows already there
are chained in id order, from 64 zeros, with the same canonical form as app/services/audit.py
(copied here so that later changes there cannot change what this revision wrote). Purges keep
an anchor in ``audit_anchor``; photos get ``purged_at`` for the retention purge.

Revision ID: a7c3e91d2b64
Revises: c00e2c4c1d60
Create Date: 2026-11-28 18:20:00.000000

"""
import hashlib
import json
from datetime import UTC

from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = 'a7c3e91d2b64'
down_revision = 'c00e2c4c1d60'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
HASHED = ("at", "actor_id", "actor_name", "actor_role", "ip", "action", "object_type", "object_id",
          "result", "detail", "prev_hash")
audit = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", app.models.base.UTCDateTime()),
                 sa.column("actor_id", sa.Integer), *(sa.column(name, sa.String) for name in HASHED[2:]),
                 sa.column("row_hash", sa.String))


def canonical_at(at):
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(fields):
    values = [canonical_at(fields["at"]) if name == "at" else fields[name] for name in HASHED]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def upgrade():
    op.create_table('audit_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor'))
    )
    # Added in place (no batch copy of the tables); the server default fills the existing rows
    # until the loop below chains them.
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), server_default=sa.text("''"), nullable=False))
    op.add_column('audit_log', sa.Column('row_hash', sa.String(length=64), server_default=sa.text("''"), nullable=False))
    op.add_column('photos', sa.Column('purged_at', app.models.base.UTCDateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    previous, after = GENESIS, 0
    while True:
        rows = conn.execute(sa.select(audit).where(audit.c.id > after).order_by(audit.c.id).limit(1000)).all()
        if not rows:
            break
        for row in rows:
            fields = {**row._asdict(), "prev_hash": previous}
            previous = row_hash(fields)
            conn.execute(audit.update().where(audit.c.id == row.id).values(prev_hash=fields["prev_hash"],
                                                                         row_hash=previous))
            after = row.id


def downgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_anchor')
