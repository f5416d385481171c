"""On SQLite (the development default) the access log refuses UPDATE in the database too.

DELETE stays possible there only because Django's test runner empties SQLite tables with
DELETE (PostgreSQL's TRUNCATE passes its trigger); the hash chain still shows a deletion.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER IF NOT EXISTS privacy_access_log_no_update
BEFORE UPDATE ON privacy_accesslogentry
BEGIN
    SELECT RAISE(ABORT, 'privacy_accesslogentry is append-only: UPDATE refused');
END;
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS privacy_access_log_no_update", params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_tombstone")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
