"""Tables of the whisper subsystem: whisper jobs.

Revision ID: 0006
Revises: 0005

Reserved in the revision chain so subsystems can add their tables without
touching each other's migrations; empty until the subsystem needs a table.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

from sublarr.db.base import UTCDateTime  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
