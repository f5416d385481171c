from django.db import migrations


class Migration(migrations.Migration):
    """State only: outgoing_mail.0001 took the model over; the table is not touched."""

    dependencies = [
        ("melden", "0001_initial"),
        ("outgoing_mail", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutgoingEmail")],
            database_operations=[],
        ),
    ]
