"""One Report row for every existing case of type report: received when the case was
reported, due and completed as the case was (the case kept only its last report)."""

from typing import Any

from django.db import migrations


def reports_from_cases(apps: Any, schema_editor: Any) -> None:
    Case = apps.get_model("cases", "Case")
    Contact = apps.get_model("cases", "Contact")
    Report = apps.get_model("cases", "Report")
    FeedbackTask = apps.get_model("cases", "FeedbackTask")
    cases = Case.objects.filter(case_type="report").exclude(
        pk__in=Report.objects.values("case_id")
    )
    for case in cases.iterator(chunk_size=500):
        contacts = Contact.objects.filter(case_id=case.pk).order_by("created_at", "pk")
        contact = contacts.filter(is_reporter=True).first() or contacts.first()
        report = Report.objects.create(
            case_id=case.pk,
            contact=contact,
            received_at=case.reported_at,
            assessment_due=case.assessment_due,
            assessment_completed_at=case.assessment_completed_at,
        )
        if contact is not None:
            FeedbackTask.objects.filter(
                case_id=case.pk, contact_id=contact.pk, report__isnull=True
            ).update(report=report)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_report_rows")]

    operations = [migrations.RunPython(reports_from_cases, migrations.RunPython.noop)]
