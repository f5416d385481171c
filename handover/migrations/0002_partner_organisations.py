from django.db import migrations


def load(apps, schema_editor):
    from handover.organisations import organisations_load

    organisations_load(apps.get_model("handover", "PartnerOrganisation"))


class Migration(migrations.Migration):
    # The app was called `routing` until 2026-12 (see cases/migrations/0001_initial.py).
    replaces = [('routing', '0002_partner_organisations')]

    dependencies = [("handover", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
