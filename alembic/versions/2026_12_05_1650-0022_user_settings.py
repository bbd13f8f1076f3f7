"""user settings: each person's time zone and console theme

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))
    op.add_column('users', sa.Column('theme', sa.String(length=8), server_default='system', nullable=False))
    op.create_check_constraint(op.f('ck_users_theme'), 'users', "theme IN ('system', 'light', 'dark')")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_users_theme'), 'users', type_='check')
    op.drop_column('users', 'theme')
    op.drop_column('users', 'time_zone')
