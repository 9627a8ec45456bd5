"""kept submissions of returned visits

Adds visit_revisions: when a leader returns a visit, the submission they reviewed (answers,
materials, timer marks, matter, position and figures as JSON) is kept as revision n of the
visit, so that the resubmission can be compared with it. Visits returned before this revision
have no kept submission (what they held was overwritten).

Revision ID: 10d09775e5dc
Revises: 5af3157105ad
Create Date: 2026-11-28 15:27:10.526250

"""
from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '10d09775e5dc'
down_revision = '5af3157105ad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('returned_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.String(length=1000), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_visit_revisions_returned_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_revisions_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_revisions')),
    sa.UniqueConstraint('visit_id', 'number', name=op.f('uq_visit_revisions_visit_id_number'))
    )
    with op.batch_alter_table('visit_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_revisions_visit_id'), ['visit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visit_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_revisions_visit_id'))

    op.drop_table('visit_revisions')
