"""Staff authenticators move to a table with an encrypted key column.

Every existing django-otp TOTPDevice is copied (key encrypted, counters and drift kept,
so the authenticator apps keep working and nobody enrols again) and the plain row is
deleted. Sessions verified with an old device ask for a code once more.
"""

from typing import Any

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import privacy.fields
from django.conf import settings
from django.db import migrations, models


COPIED_FIELDS = (
    "user_id",
    "name",
    "confirmed",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
)


def encrypt_existing_devices(apps: Any, schema_editor: Any) -> None:
    plain_model = apps.get_model("otp_totp", "TOTPDevice")
    encrypted_model = apps.get_model("privacy", "StaffTOTPDevice")
    for plain in plain_model.objects.order_by("pk").iterator():
        device = encrypted_model.objects.create(
            **{name: getattr(plain, name) for name in COPIED_FIELDS}
        )
        # created_at is auto_now_add: create() stamps it now; keep the original.
        encrypted_model.objects.filter(pk=device.pk).update(created_at=plain.created_at)
    # The encrypted copies are saved; the plain secrets go.
    plain_model.objects.all().delete()


def decrypt_back(apps: Any, schema_editor: Any) -> None:
    plain_model = apps.get_model("otp_totp", "TOTPDevice")
    encrypted_model = apps.get_model("privacy", "StaffTOTPDevice")
    for device in encrypted_model.objects.order_by("pk").iterator():
        plain_model.objects.create(**{name: getattr(device, name) for name in COPIED_FIELDS})


class Migration(migrations.Migration):

    dependencies = [
        ('privacy', '0005_access_log_keyed_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name='StaffTOTPDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', privacy.fields.EncryptedCharField(default=django_otp.plugins.otp_totp.models.default_key, help_text='A hex-encoded secret key of up to 40 bytes (stored encrypted).', max_length=80, validators=[django_otp.plugins.otp_totp.models.key_validator], verbose_name='sleutel')),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'authenticator van medewerker',
                'verbose_name_plural': 'authenticators van medewerkers',
                'abstract': False,
            },
        ),
        migrations.RunPython(encrypt_existing_devices, decrypt_back),
    ]
