"""Statutory feedback to a professional reporter: composed, approved with four eyes, sent
once through the outbox (retried on failure), recorded on the case; never to an informant."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import roles
from cases.codes import ContactRole, Decision
from cases.models import Case, CaseTransition, FeedbackTask
from cases.services import (
    case_finish_investigation,
    case_transition,
)
from melden import feedback
from melden.models import FeedbackLetter
from outgoing_mail import sending as outbox
from outgoing_mail.models import OutgoingEmail
from privacy.models import AccessLogEntry
from tests.cases.factories import decide, decide_assessment, register_case
from tests.conftest import log_in_fully, make_staff
from tests.jobs.queue import run_mail_tasks
from tests.melden.backends import FlakyBackend

pytestmark = pytest.mark.django_db


def professional(**overrides) -> dict:
    contact = {
        "channel": "online",
        "role": ContactRole.PROFESSIONAL,
        "name": "Juf Ineke",
        "phone": "070-7654321",
        "email": "ineke@school.example",
        "organisation": "Basisschool De Linde",
        "profession": "education",
    }
    contact.update(overrides)
    return contact


def decided(operator, supervisor, decision=Decision.HANDOVER_LOCAL, **contact) -> Case:
    case = register_case(operator, contact=professional(**contact))
    case_transition(case_id=case.pk, name="start_assessment", by=operator, expected_version=None)
    decide_assessment(case, operator)
    return decide(
        case_id=case.pk,
        decision=decision,
        reason="Onderbouwing van het besluit.",
        by=supervisor,
        proposed_by=operator,
    )


def url(case: Case, task: FeedbackTask, approve: bool = False) -> str:
    return f"/cases/{case.pk}/feedback/{task.pk}/" + ("approve/" if approve else "")


COMPOSED = {"followup_started": "yes", "handover_parties": "CJG Den Haag Centrum"}


def test_the_compose_page_is_prefilled_from_the_decision(operator, supervisor, operator_client):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    page = operator_client.get(url(case, task)).content.decode()
    assert re.search(r'value="yes"[^>]*checked', page)
    assert "CJG / wijkteam" in page
    assert "Juf Ineke" in page


def test_an_operator_composes_and_a_supervisor_approves_it_is_sent_once_and_recorded(
    operator, supervisor, operator_client, supervisor_client, django_capture_on_commit_callbacks
):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    assert operator_client.post(url(case, task), COMPOSED).status_code == 302
    letter = FeedbackLetter.objects.get(task=task)
    assert letter.composed_by == operator and letter.approved_at is None
    assert case.reference in letter.body
    assert "Vervolg: ja" in letter.body and "CJG Den Haag Centrum" in letter.body
    assert "veiligheidsvoorwaarden" not in letter.body.lower()
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(url(case, task, approve=True))
    assert response.status_code == 302
    assert mail.outbox == []  # the worker sends it, not the request
    run_mail_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ineke@school.example"]
    assert case.reference in message.subject
    assert message.body == letter.body
    task.refresh_from_db()
    letter.refresh_from_db()
    assert task.sent_at is not None
    assert letter.approved_by == supervisor
    # An audit entry with its kind, not a pseudo-transition.
    assert not CaseTransition.objects.filter(case=case, name="feedback_approved").exists()
    assert AccessLogEntry.objects.filter(
        target_id=str(case.pk),
        actor_id=supervisor.pk,
        reason=f"feedback_approved:{task.moment}",
    ).exists()

    # Once: a second approval is refused, and the retry run finds nothing to send.
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(url(case, task, approve=True))
    run_mail_tasks()
    call_command("send_outgoing_email", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.filter(feedback_task=task).count() == 1
    page = supervisor_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Terugkoppeling aan de melder" in page and "verstuurd" in page


def test_a_failed_feedback_mail_is_retried_and_only_then_marked_sent(
    settings, operator, supervisor, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.melden.backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    feedback.feedback_compose(
        task=task,
        by=operator,
        followup_started=True,
        handover_parties="CJG",
        reporter_has_role=False,
        safety_conditions="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        feedback.feedback_approve(task=task, by=supervisor)
    run_mail_tasks()
    task.refresh_from_db()
    assert task.sent_at is None
    assert OutgoingEmail.objects.get(feedback_task=task).attempts == 1
    assert outbox.email_send_due(now=timezone.now() + datetime.timedelta(minutes=2)) == (1, 0)
    task.refresh_from_db()
    assert task.sent_at is not None
    assert len(mail.outbox) == 1


def test_safety_conditions_go_in_only_when_the_reporter_has_a_role(operator, supervisor):
    case = decided(operator, supervisor, decision=Decision.CONDITIONS)
    task = FeedbackTask.objects.get(case=case)
    kwargs = {"task": task, "by": operator, "followup_started": True, "handover_parties": "CJG"}
    letter = feedback.feedback_compose(
        **kwargs, reporter_has_role=False, safety_conditions="Vader gaat naar agressietraining."
    )
    assert "agressietraining" not in letter.body and letter.safety_conditions == ""
    letter = feedback.feedback_compose(
        **kwargs, reporter_has_role=True, safety_conditions="School meldt elk verzuim aan het CJG."
    )
    assert "waarin u een rol heeft" in letter.body
    assert "School meldt elk verzuim" in letter.body


def test_a_role_without_conditions_is_refused_next_to_the_field(
    operator, supervisor, operator_client
):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    response = operator_client.post(url(case, task), {**COMPOSED, "reporter_has_role": "on"})
    assert response.status_code == 400
    assert 'id="id_safety_conditions_error"' in response.content.decode()
    response = operator_client.post(url(case, task), {"followup_started": "misschien"})
    assert response.status_code == 400
    assert 'id="id_followup_started_error"' in response.content.decode()
    assert not FeedbackLetter.objects.exists()


def test_feedback_after_an_investigation_says_so(operator, supervisor):
    case = decided(operator, supervisor, decision=Decision.INVESTIGATION)
    case_finish_investigation(case_id=case.pk, by=operator, reason="Klaar.")
    task = FeedbackTask.objects.get(case=case, moment="after_investigation")
    letter = feedback.feedback_compose(
        task=task,
        by=operator,
        followup_started=True,
        handover_parties="Jeugdbescherming West",
        reporter_has_role=False,
        safety_conditions="",
    )
    assert "onderzoek" in letter.body and "Jeugdbescherming West" in letter.body


# --- wrong person -------------------------------------------------------------------------


def test_the_composer_may_not_approve_their_own_feedback(
    operator, supervisor, supervisor_client, django_capture_on_commit_callbacks
):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    assert supervisor_client.post(url(case, task), COMPOSED).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.post(url(case, task, approve=True))
    run_mail_tasks()
    assert mail.outbox == []
    assert FeedbackLetter.objects.get(task=task).approved_at is None
    assert AccessLogEntry.objects.filter(
        actor_id=supervisor.pk, allowed=False, reason__contains="tweede medewerker"
    ).exists()


def test_an_operator_cannot_approve_feedback_and_the_refusal_is_logged(
    operator, supervisor, operator_client
):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    operator_client.post(url(case, task), COMPOSED)
    response = operator_client.post(url(case, task, approve=True))
    assert response.status_code == 403
    assert FeedbackLetter.objects.get(task=task).approved_at is None
    assert not OutgoingEmail.objects.exists()
    assert AccessLogEntry.objects.filter(
        actor_id=operator.pk, allowed=False, reason="lacks accounts.supervise"
    ).exists()
    with pytest.raises(feedback.FeedbackRefused):
        feedback.feedback_approve(task=task, by=operator)


def test_an_operator_of_another_team_can_neither_see_nor_compose_it(
    operator, supervisor, other_operator
):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    other = log_in_fully(Client(), other_operator)
    assert other.get(url(case, task)).status_code == 403
    assert other.post(url(case, task), COMPOSED).status_code == 403
    assert not FeedbackLetter.objects.exists()
    assert (
        AccessLogEntry.objects.filter(
            actor_id=other_operator.pk, target_id=str(case.pk), allowed=False
        ).count()
        == 2
    )


def test_a_supervisor_of_another_region_cannot_approve(operator, supervisor, operator_client):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    operator_client.post(url(case, task), COMPOSED)
    elsewhere = make_staff("wim", roles.SUPERVISOR)
    elsewhere.region = "rotterdam"
    elsewhere.save()
    client = log_in_fully(Client(), elsewhere)
    assert client.post(url(case, task, approve=True)).status_code == 403
    assert not OutgoingEmail.objects.exists()


def test_an_informant_only_reporter_is_never_sent_feedback(
    operator, supervisor, operator_client, django_capture_on_commit_callbacks
):
    case = decided(operator, supervisor, is_reporter=False)
    assert not FeedbackTask.objects.filter(case=case).exists()
    # Even a task that should never exist gets no letter and no mail.
    forged = FeedbackTask.objects.create(
        case=case, contact=case.contacts.get(), moment="after_assessment"
    )
    response = operator_client.post(url(case, forged), COMPOSED)
    assert response.status_code == 403
    assert "geen professionele melder" in response.content.decode()
    with pytest.raises(feedback.FeedbackRefused):
        feedback.feedback_approve(task=forged, by=supervisor)
    assert not FeedbackLetter.objects.exists()
    assert not OutgoingEmail.objects.exists() and mail.outbox == []
    assert AccessLogEntry.objects.filter(
        target_id=str(case.pk), allowed=False, reason__startswith="feedback compose"
    ).exists()


def test_a_reporter_without_email_is_told_to_be_called(operator, supervisor):
    case = decided(operator, supervisor, email="")
    task = FeedbackTask.objects.get(case=case)
    with pytest.raises(feedback.FeedbackRefused, match="telefonisch"):
        feedback.feedback_compose(
            task=task,
            by=operator,
            followup_started=True,
            handover_parties="CJG",
            reporter_has_role=False,
            safety_conditions="",
        )


def test_an_approved_letter_cannot_be_rewritten(operator, supervisor, operator_client):
    case = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=case)
    operator_client.post(url(case, task), COMPOSED)
    feedback.feedback_approve(task=task, by=supervisor)
    response = operator_client.post(url(case, task), {**COMPOSED, "handover_parties": "Anders"})
    assert response.status_code == 403
    assert "CJG Den Haag Centrum" in FeedbackLetter.objects.get(task=task).body


def test_a_task_of_another_case_is_not_found(operator, supervisor, operator_client):
    first = decided(operator, supervisor)
    second = decided(operator, supervisor)
    task = FeedbackTask.objects.get(case=second)
    assert operator_client.get(url(first, task)).status_code == 404
