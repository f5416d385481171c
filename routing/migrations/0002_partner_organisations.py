from django.db import migrations


def load(apps, schema_editor):
    from routing.organisations import organisations_load

    organisations_load(apps.get_model("routing", "PartnerOrganisation"))


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
