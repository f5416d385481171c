"""The keyed chain: each row names the ACCESS_LOG_KEYS key that linked it, and one anchor
seals the rows from before (privacy.chain, privacy.access_log._seal_legacy_rows).

Adding the defaulted column changes no row: PostgreSQL adds it without rewriting the
table (its UPDATE trigger never fires); SQLite copies the table into a new one, which
drops migration 0004's trigger, so it is created again here. The anchor is written once
and, like the log, refused UPDATE and DELETE by the database.
"""

from importlib import import_module

from django.db import migrations, models

POSTGRES_ANCHOR = """
CREATE OR REPLACE FUNCTION privacy_access_log_anchor_fixed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_accesslogentry is append-only: % of its anchor refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_access_log_anchor_fixed
    BEFORE UPDATE OR DELETE ON privacy_accessloganchor
    FOR EACH ROW EXECUTE FUNCTION privacy_access_log_anchor_fixed();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS privacy_access_log_anchor_fixed ON privacy_accessloganchor;
DROP FUNCTION IF EXISTS privacy_access_log_anchor_fixed();
"""
SQLITE_ANCHOR = """
CREATE TRIGGER IF NOT EXISTS privacy_access_log_anchor_no_update
BEFORE UPDATE ON privacy_accessloganchor
BEGIN
    SELECT RAISE(ABORT, 'privacy_accesslogentry is append-only: UPDATE of its anchor refused');
END;
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_ANCHOR, params=None)
    elif vendor == "sqlite":
        log_trigger = import_module("privacy.migrations.0004_sqlite_update_trigger")
        schema_editor.execute(log_trigger.CREATE, params=None)
        schema_editor.execute(SQLITE_ANCHOR, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS privacy_access_log_anchor_no_update", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_sqlite_update_trigger")]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.CreateModel(
            name="AccessLogAnchor",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("seq", models.BigIntegerField()),
                ("entry_hash", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("sealed_at", models.DateTimeField()),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "toegangslog-anker",
                "verbose_name_plural": "toegangslog-ankers",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="privacy_one_anchor")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
