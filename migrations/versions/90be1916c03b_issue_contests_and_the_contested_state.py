"""issue contests and the contested state

Issues gain the state "contested" (a unit's 申诉 waits for a leader; the deadline is paused),
and each contest with its decision is kept in issue_contests. The state column is a VARCHAR
with a CHECK constraint (a non-native enum), so the constraint is replaced: batch mode copies
the table on SQLite, which cannot alter a constraint, and alters it in place on PostgreSQL.

Revision ID: 90be1916c03b
Revises: 10d09775e5dc
Create Date: 2026-11-28 15:28:19.895957

"""
from alembic import op
import sqlalchemy as sa

import app.models.base


# revision identifiers, used by Alembic.
revision = '90be1916c03b'
down_revision = '10d09775e5dc'
branch_labels = None
depends_on = None


STATES = ('assigned', 'in_progress', 'reported', 'under_review', 'closed', 'reopened')
NEW_STATES = STATES + ('contested',)


def _state_check(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _replace_state_check(states):
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_issues_issuestate'), type_='check')
        batch_op.create_check_constraint(op.f('ck_issues_issuestate'), _state_check(states))


def upgrade():
    _replace_state_check(NEW_STATES)
    op.create_table('issue_contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('not_our_duty', 'wrong_finding', name='contestkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('proposed_unit_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('contested_by_id', sa.Integer(), nullable=True),
    sa.Column('contested_on', sa.Date(), nullable=False),
    sa.Column('state_before', sa.Enum('assigned', 'in_progress', 'reported', 'under_review', 'closed', 'reopened', 'contested', name='issuestate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('deadline_before', sa.Date(), nullable=False),
    sa.Column('days_left', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('transferred', 'dismissed', 'rejected', name='contestoutcome', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision_note', sa.String(length=2000), nullable=False),
    sa.Column('new_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contested_by_id'], ['users.id'], name=op.f('fk_issue_contests_contested_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_issue_contests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_issue_contests_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['new_unit_id'], ['units.id'], name=op.f('fk_issue_contests_new_unit_id_units')),
    sa.ForeignKeyConstraint(['proposed_unit_id'], ['units.id'], name=op.f('fk_issue_contests_proposed_unit_id_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_issue_contests_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_contests'))
    )
    with op.batch_alter_table('issue_contests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issue_contests_issue_id'), ['issue_id'], unique=False)



def downgrade():
    # A contested issue goes back to the state it was contested from (its latest contest's).
    op.execute("UPDATE issues SET state = COALESCE((SELECT c.state_before FROM issue_contests c "
               "WHERE c.issue_id = issues.id ORDER BY c.id DESC LIMIT 1), 'assigned') WHERE state = 'contested'")
    with op.batch_alter_table('issue_contests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_contests_issue_id'))

    op.drop_table('issue_contests')
    _replace_state_check(STATES)
