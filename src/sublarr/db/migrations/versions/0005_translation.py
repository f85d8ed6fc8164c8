"""Tables of the translation subsystem: translation jobs.

Revision ID: 0005
Revises: 0004

Reserved in the revision chain so subsystems can add their tables without
touching each other's migrations; empty until the subsystem needs a table.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from sublarr.db.base import UTCDateTime  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
