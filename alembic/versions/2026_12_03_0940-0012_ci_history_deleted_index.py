"""cmdb: an index of the deletions in CI history, for the list of deleted CIs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_ci_history_deleted', 'ci_history', ['tenant_id', 'seq'], unique=False,
                    postgresql_where=sa.text("action = 'deleted'"))


def downgrade() -> None:
    op.drop_index('ix_ci_history_deleted', table_name='ci_history', postgresql_where=sa.text("action = 'deleted'"))
