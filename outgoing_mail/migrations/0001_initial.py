import django.db.models.deletion
import django.utils.timezone
import privacy.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    """The email outbox was created in the online-reports migration; its table stays where
    it is (reports_outgoingemail) and only Django's record of who owns it moves here."""

    initial = True

    dependencies = [
        ("cases", "0001_initial"),
        ("melden", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutgoingEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('purpose', models.CharField(choices=[('confirmation', 'Ontvangstbevestiging'), ('feedback', 'Terugkoppeling')], max_length=20)),
                        ('recipient', privacy.fields.EncryptedCharField(max_length=254)),
                        ('subject', models.CharField(max_length=200)),
                        ('body', privacy.fields.EncryptedTextField(blank=True, default='')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('gave_up_at', models.DateTimeField(blank=True, null=True)),
                        ('last_error', models.CharField(blank=True, max_length=200)),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case')),
                        ('feedback_task', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='emails', to='cases.feedbacktask')),
                    ],
                    options={
                        'db_table': 'reports_outgoingemail',
                        'ordering': ['pk'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
