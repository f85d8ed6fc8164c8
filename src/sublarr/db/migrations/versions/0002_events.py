"""Tables of the events subsystem: event system extras (webhook dispatcher, hook engine).

Revision ID: 0002
Revises: 0001

Reserved in the revision chain so subsystems can add their tables without
touching each other's migrations; empty until the subsystem needs a table.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from sublarr.db.base import UTCDateTime  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
