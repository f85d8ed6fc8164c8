"""Tables of the library_wanted subsystem: library instances, wanted list.

Revision ID: 0003
Revises: 0002

Reserved in the revision chain so subsystems can add their tables without
touching each other's migrations; empty until the subsystem needs a table.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from sublarr.db.base import UTCDateTime  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
