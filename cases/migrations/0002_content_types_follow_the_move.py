from django.db import migrations

from privacy.renamed_labels import content_types_follow


class Migration(migrations.Migration):
    """Content types of the models that moved here keep their ids, so every permission
    granted on them (and every role holding it) survives the move."""

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(content_types_follow("cases"), migrations.RunPython.noop),
    ]
