"""Language profiles and their series/movie assignments.

An existing install gets a "Default" profile holding its ``wanted_languages``
(the stored setting, else English); every wanted row follows it until a
profile is assigned.  ``wanted_items.profile_id`` remembers which profile a
row was added for (tag-mapped profiles are known only while listing).

Revision ID: 0010
Revises: 0009
"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from sublarr.db.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _stored_languages() -> list[str]:
    value = op.get_bind().execute(sa.text(
        "SELECT value FROM settings WHERE key = 'wanted_languages'")).scalar()
    try:
        codes = json.loads(value) if value else None
    except ValueError:
        codes = None
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or not codes:
        return ["en"]
    return [c.strip().lower() for c in codes]


def upgrade() -> None:
    profiles = op.create_table(
        "language_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("cutoff", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "language_profile_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "title", name="uq_profile_assignments_kind_title"),
    )
    with op.batch_alter_table("wanted_items") as batch:
        batch.add_column(sa.Column("profile_id", sa.Integer(), nullable=True))
    now = datetime.now(timezone.utc)
    languages = [{"code": c, "hearing_impaired": False, "forced": False}
                 for c in dict.fromkeys(_stored_languages())]
    op.bulk_insert(profiles, [{"name": "Default", "languages": json.dumps(languages),
                               "cutoff": False, "is_default": True, "tags": "[]",
                               "created_at": now, "updated_at": now}])


def downgrade() -> None:
    with op.batch_alter_table("wanted_items") as batch:
        batch.drop_column("profile_id")
    op.drop_table("language_profile_assignments")
    op.drop_table("language_profiles")
