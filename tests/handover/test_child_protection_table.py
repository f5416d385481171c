"""The Jeugdbeschermingstafel and the Raad: a referral with its deadline, informing the
parents, who takes part (parents; children from 12), the table's three outcomes, and the
urgent request straight to the Raad. Every form: it works; bad input gets an error next
to its field and nothing is saved; the wrong person is refused and the refusal logged."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.codes import Decision, PersonRole
from cases.models import Case, Person, State
from cases.working_days import add_months
from handover.models import (
    CouncilRequest,
    Handover,
    TableMeeting,
    TableParticipant,
    TableReferral,
)
from handover.services import (
    Attendance,
    HandoverError,
    council_request_urgent,
    table_outcome_record,
    table_referral_prepare,
)
from privacy.models import AccessLogEntry
from supervision.selectors import table_waiting
from tests.conftest import log_in_fully
from tests.handover.conftest import decided_case, handed_over, make_partner

pytestmark = pytest.mark.django_db

TABLE = "jeugdbeschermingstafel-den-haag"
RAAD = "raad-kinderbescherming-den-haag"


def years_ago(years: int, *, days: int = 0) -> datetime.date:
    return add_months(timezone.localdate(), -12 * years) + datetime.timedelta(days=days)


def family(child_born: datetime.date) -> list[dict]:
    return [
        {"role": PersonRole.VICTIM, "is_child": True, "name": "Noor", "date_of_birth": child_born},
        {"role": PersonRole.OTHER, "is_child": False, "name": "Moeder Fatima"},
        {"role": PersonRole.SUSPECTED_PERPETRATOR, "is_child": False, "name": "Vader Kees"},
    ]


def referred(operator, supervisor, *, child_born: datetime.date | None = None) -> TableReferral:
    case = decided_case(
        operator,
        supervisor,
        Decision.COUNCIL_REQUEST,
        people=family(child_born or years_ago(13)),
    )
    handover = handed_over(
        case, operator, TABLE, answers={"measure_to_consider": True, "lives_in_den_haag": True}
    )
    return TableReferral.objects.get(handover=handover)


def person(referral: TableReferral, name: str) -> Person:
    return next(p for p in referral.case.people.all() if p.name == name)


def parents_came(referral: TableReferral) -> list[Attendance]:
    return [
        Attendance(person(referral, "Moeder Fatima").pk, True, True),
        Attendance(person(referral, "Vader Kees").pk, True, False),
    ]


def record(referral: TableReferral, by, **overrides) -> TableMeeting:
    arguments = {
        "referral_id": referral.pk,
        "by": by,
        "held_on": timezone.localdate(),
        "outcome": TableMeeting.Outcome.NO_INVESTIGATION,
        "attendance": parents_came(referral),
        "parents_informed_on": timezone.localdate(),
    }
    arguments.update(overrides)
    return table_outcome_record(**arguments)


def allowed_reasons(**filters) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(allowed=True, **filters).values_list("reason", flat=True)
    )


def refused_rows(user) -> int:
    return AccessLogEntry.objects.filter(actor_id=user.pk, allowed=False).count()


@pytest.fixture
def referral(operator, supervisor) -> TableReferral:
    return referred(operator, supervisor)


@pytest.fixture
def table_member(db):
    return make_partner("tanja", TABLE)


# --- the referral and its deadline -----------------------------------------------------------


def test_a_request_to_the_table_opens_a_referral_that_waits_with_a_deadline(referral, settings):
    referred_on = timezone.localdate(referral.referred_at)
    assert referral.status == TableReferral.Status.WAITING
    weeks = settings.CHILD_PROTECTION_TABLE_MEETING_WEEKS
    assert referral.due_on == referred_on + datetime.timedelta(weeks=weeks)
    assert referral.case.state == State.COUNCIL_REQUEST


def test_a_request_to_the_raad_through_the_handover_page_is_a_request_to_investigate(
    operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    handover = handed_over(
        case, operator, RAAD, answers={"measure_to_consider": True, "lives_in_den_haag": False}
    )
    request = CouncilRequest.objects.get(handover=handover)
    assert (request.urgent, request.table_meeting) == (False, None)
    assert request.reason == handover.package["facts"]


# --- the three outcomes ------------------------------------------------------------------------


def test_no_investigation_sends_the_case_back_to_the_decision(operator, referral):
    meeting = record(referral, operator)
    referral.refresh_from_db()
    case = Case.objects.get(pk=referral.case_id)
    assert case.state == State.DECISION
    assert case.decision == ""
    assert list(case.transitions.values_list("name", flat=True))[-1] == "end_council_request"
    assert (referral.status, referral.due_on) == (TableReferral.Status.DONE, None)
    assert meeting.outcome == TableMeeting.Outcome.NO_INVESTIGATION
    # The table met about the family, so it took the referral on.
    assert Handover.objects.get(pk=referral.handover_id).status == Handover.Status.ACCEPTED
    assert "table_outcome:no_investigation" in allowed_reasons(target_id=str(case.pk))


def test_postponing_keeps_the_agreements_encrypted_and_waits_for_the_review_date(
    operator, referral
):
    review_on = timezone.localdate() + datetime.timedelta(days=90)
    record(
        referral,
        operator,
        outcome=TableMeeting.Outcome.POSTPONE,
        agreements="Moeder gaat met het gezin naar opvoedondersteuning.",
        review_on=review_on,
    )
    referral.refresh_from_db()
    assert (referral.status, referral.due_on) == (TableReferral.Status.POSTPONED, review_on)
    assert Case.objects.get(pk=referral.case_id).state == State.COUNCIL_REQUEST
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT agreements FROM {TableMeeting._meta.db_table}")
        (stored,) = cursor.fetchone()
    assert "opvoedondersteuning" not in stored


def test_a_review_date_more_than_six_months_after_the_table_is_refused_and_nothing_saved(
    operator, referral
):
    latest = add_months(timezone.localdate(), 6)
    with pytest.raises(HandoverError) as refusal:
        record(
            referral,
            operator,
            outcome=TableMeeting.Outcome.POSTPONE,
            agreements="Afspraken.",
            review_on=latest + datetime.timedelta(days=1),
        )
    assert refusal.value.field == "review_on"
    assert not TableMeeting.objects.exists()
    referral.refresh_from_db()
    assert referral.status == TableReferral.Status.WAITING
    record(
        referral,
        operator,
        outcome=TableMeeting.Outcome.POSTPONE,
        agreements="Afspraken.",
        review_on=latest,
    )


def test_a_second_postponement_still_ends_six_months_after_the_first_table(operator, referral):
    first_on = timezone.localdate() - datetime.timedelta(days=50)
    TableReferral.objects.filter(pk=referral.pk).update(
        referred_at=timezone.now() - datetime.timedelta(days=60)
    )
    record(
        referral,
        operator,
        held_on=first_on,
        parents_informed_on=first_on,
        outcome=TableMeeting.Outcome.POSTPONE,
        agreements="Eerste afspraken.",
        review_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(HandoverError) as refusal:
        record(
            referral,
            operator,
            parents_informed_on=None,
            outcome=TableMeeting.Outcome.POSTPONE,
            agreements="Nieuwe afspraken.",
            review_on=add_months(first_on, 6) + datetime.timedelta(days=1),
        )
    assert refusal.value.field == "review_on"
    assert TableMeeting.objects.count() == 1
    record(
        referral,
        operator,
        parents_informed_on=None,
        outcome=TableMeeting.Outcome.POSTPONE,
        agreements="Nieuwe afspraken.",
        review_on=add_months(first_on, 6),
    )
    assert TableMeeting.objects.count() == 2


def test_postponing_needs_agreements_and_a_review_date(operator, referral):
    for overrides, field in (
        ({"agreements": "", "review_on": timezone.localdate()}, "agreements"),
        ({"agreements": "Afspraken.", "review_on": None}, "review_on"),
        ({"agreements": "Afspraken.", "review_on": timezone.localdate()}, "review_on"),
    ):
        with pytest.raises(HandoverError) as refusal:
            record(referral, operator, outcome=TableMeeting.Outcome.POSTPONE, **overrides)
        assert refusal.value.field == field
    assert not TableMeeting.objects.exists()


def test_a_request_to_the_raad_hands_the_case_to_the_raad_and_keeps_it_waiting(operator, referral):
    meeting = record(
        referral,
        operator,
        outcome=TableMeeting.Outcome.COUNCIL_REQUEST,
        council_reason="Ouders werken niet mee aan de afspraken; onderzoek naar een OTS.",
    )
    request = CouncilRequest.objects.get(table_meeting=meeting)
    assert request.handover.organisation.slug == RAAD
    assert request.handover.status == Handover.Status.PENDING
    assert request.urgent is False
    case = Case.objects.get(pk=referral.case_id)
    assert case.state == State.COUNCIL_REQUEST
    referral.refresh_from_db()
    assert referral.status == TableReferral.Status.DONE


def test_a_request_to_the_raad_needs_its_question_for_the_raad(operator, referral):
    with pytest.raises(HandoverError) as refusal:
        record(referral, operator, outcome=TableMeeting.Outcome.COUNCIL_REQUEST)
    assert refusal.value.field == "council_reason"
    assert not CouncilRequest.objects.exists()


def test_a_table_that_already_decided_cannot_decide_again(operator, referral):
    record(referral, operator)
    with pytest.raises(HandoverError) as refusal:
        record(referral, operator)
    assert refusal.value.status == 409


# --- who takes part, and informing the parents -------------------------------------------------


def test_the_parents_invitation_and_attendance_are_recorded(operator, referral):
    meeting = record(referral, operator)
    rows = {row.person.name: (row.invited, row.attended) for row in meeting.participants.all()}
    assert rows == {"Moeder Fatima": (True, True), "Vader Kees": (True, False)}


def test_a_child_of_twelve_takes_part(operator, supervisor):
    referral = referred(operator, supervisor, child_born=years_ago(12))
    child = person(referral, "Noor")
    meeting = record(referral, operator, attendance=[Attendance(child.pk, True, True)])
    assert meeting.participants.get().person == child


def test_a_child_under_twelve_cannot_take_part_and_nothing_is_saved(operator, supervisor):
    referral = referred(operator, supervisor, child_born=years_ago(12, days=1))
    child = person(referral, "Noor")
    with pytest.raises(HandoverError) as refusal:
        record(referral, operator, attendance=[Attendance(child.pk, True, False)])
    assert refusal.value.field == "invited"
    assert "12" in str(refusal.value)
    assert not TableParticipant.objects.exists()
    assert not TableMeeting.objects.exists()


def test_the_table_cannot_decide_before_informing_the_parents_is_recorded(operator, referral):
    with pytest.raises(HandoverError) as refusal:
        record(referral, operator, parents_informed_on=None)
    assert refusal.value.field == "parents_informed_on"
    assert not TableMeeting.objects.exists()
    record(
        referral,
        operator,
        parents_informed_on=None,
        parents_informing_postponed_reason="Informeren brengt het kind nu in gevaar.",
    )
    referral.refresh_from_db()
    assert referral.parents_informing_postponed_reason.startswith("Informeren brengt")


def test_preparing_records_the_planned_date_and_that_the_parents_were_told(operator, referral):
    planned = timezone.localdate() + datetime.timedelta(days=10)
    table_referral_prepare(
        referral_id=referral.pk,
        by=operator,
        meeting_planned_on=planned,
        parents_informed_on=timezone.localdate(),
        parents_informing_postponed_reason="",
    )
    referral.refresh_from_db()
    assert (referral.meeting_planned_on, referral.parents_informed_on) == (
        planned,
        timezone.localdate(),
    )
    assert "table_prepared:informed" in allowed_reasons(actor_id=operator.pk)


# --- who may record for the table ------------------------------------------------------------


def test_a_partner_of_another_organisation_cannot_record_the_outcome_and_is_logged(
    operator, referral, cjg_partner
):
    with pytest.raises(HandoverError) as refusal:
        record(referral, cjg_partner)
    assert refusal.value.status == 403
    assert not TableMeeting.objects.exists()
    assert refused_rows(cjg_partner) == 1


def test_the_raads_own_members_cannot_record_the_tables_outcome(operator, referral):
    raad_member = make_partner("rob", RAAD)
    with pytest.raises(HandoverError):
        record(referral, raad_member)
    assert refused_rows(raad_member) == 1


def test_an_operator_outside_the_case_cannot_record_for_the_table(referral, other_operator):
    with pytest.raises(HandoverError) as refusal:
        record(referral, other_operator)
    assert refusal.value.status == 403
    assert refused_rows(other_operator) == 1


# --- urgent: straight to the Raad --------------------------------------------------------------


def test_an_urgent_case_goes_straight_to_the_raad_with_its_reason(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    request = council_request_urgent(
        case_id=case.pk, by=supervisor, reason="Baby met onverklaard letsel; kan niet wachten."
    )
    assert request.urgent is True
    assert request.handover.organisation.slug == RAAD
    assert request.handover.package["facts"].startswith("Baby met")
    assert not TableReferral.objects.filter(case=case).exists()
    assert "council_requested:urgent" in allowed_reasons(target_id=str(case.pk))


def test_an_urgent_request_is_refused_while_the_family_waits_for_the_table(supervisor, referral):
    with pytest.raises(HandoverError) as refusal:
        council_request_urgent(case_id=referral.case_id, by=supervisor, reason="Spoed.")
    assert refusal.value.status == 409
    assert not CouncilRequest.objects.exists()


def test_an_urgent_request_outside_a_council_request_is_refused(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.INVESTIGATION)
    with pytest.raises(HandoverError) as refusal:
        council_request_urgent(case_id=case.pk, by=supervisor, reason="Spoed.")
    assert refusal.value.status == 409
    assert not CouncilRequest.objects.exists()


# --- the pages: staff ----------------------------------------------------------------------------


def table_url(referral: TableReferral, step: str) -> str:
    return reverse(f"handover:case_table_{step}", args=[referral.case_id, referral.pk])


def urgent_url(case_id: int) -> str:
    return reverse("handover:case_council_urgent", args=[case_id])


def test_the_table_page_shows_the_deadline_and_the_forms(operator_client, referral):
    response = operator_client.get(reverse("handover:case_table", args=[referral.case_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tafel uiterlijk" in body
    assert "Uitkomst van de tafel" in body
    # Two forms share the parents' fields; each label still points at one field.
    assert body.count('id="id_parents_informed_on"') == 1
    assert body.count('id="prepare_parents_informed_on"') == 1
    # Only those who approve decisions see the urgent request.
    assert "Spoedverzoek" not in body


def test_staff_prepare_the_table_on_the_page(operator_client, referral):
    response = operator_client.post(
        table_url(referral, "prepare"),
        {"parents_informed_on": timezone.localdate().isoformat(), "meeting_planned_on": ""},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.parents_informed_on == timezone.localdate()


def test_preparing_without_informing_the_parents_shows_the_error_at_the_field(
    operator_client, referral
):
    response = operator_client.post(
        table_url(referral, "prepare"),
        {"parents_informed_on": "", "parents_informing_postponed_reason": "  "},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="prepare_parents_informed_on_error"' in body
    referral.refresh_from_db()
    assert not referral.parents_informing_recorded


def test_a_date_that_is_no_date_is_an_error_at_the_field_not_a_crash(operator_client, referral):
    response = operator_client.post(
        table_url(referral, "prepare"), {"parents_informed_on": "31-02-2026"}
    )
    assert response.status_code == 400
    assert "Geef een datum als dd-mm-jjjj." in response.content.decode()


def test_a_partner_cannot_use_the_staff_table_pages_and_is_logged(
    cjg_client, cjg_partner, referral
):
    response = cjg_client.post(
        table_url(referral, "prepare"), {"parents_informed_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 403
    assert refused_rows(cjg_partner) >= 1
    referral.refresh_from_db()
    assert not referral.parents_informing_recorded


def test_an_operator_outside_the_case_cannot_prepare_the_table(other_operator, referral):
    client = log_in_fully(Client(), other_operator)
    response = client.post(
        table_url(referral, "prepare"), {"parents_informed_on": timezone.localdate().isoformat()}
    )
    assert response.status_code in (403, 404)
    assert refused_rows(other_operator) >= 1
    referral.refresh_from_db()
    assert not referral.parents_informing_recorded


def outcome_post(referral: TableReferral, **overrides) -> dict:
    data = {
        "held_on": timezone.localdate().isoformat(),
        "invited": [person(referral, "Moeder Fatima").pk],
        "attended": [person(referral, "Moeder Fatima").pk],
        "parents_informed_on": timezone.localdate().isoformat(),
        "outcome": TableMeeting.Outcome.POSTPONE,
        "agreements": "Gezinscoach van het CJG; school houdt contact.",
        "review_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_staff_record_the_tables_outcome_on_the_page(operator_client, referral):
    response = operator_client.post(table_url(referral, "outcome"), outcome_post(referral))
    assert response.status_code == 302
    meeting = TableMeeting.objects.get()
    assert meeting.outcome == TableMeeting.Outcome.POSTPONE
    assert meeting.participants.get().attended is True


def test_a_review_date_too_far_shows_the_error_at_the_field_and_saves_nothing(
    operator_client, referral
):
    too_far = add_months(timezone.localdate(), 7).isoformat()
    response = operator_client.post(
        table_url(referral, "outcome"), outcome_post(referral, review_on=too_far)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_review_on_error"' in body
    assert "ten hoogste 6 maanden" in body
    assert not TableMeeting.objects.exists()


def test_a_young_child_as_participant_shows_the_error_at_the_field(operator, supervisor):
    referral = referred(operator, supervisor, child_born=years_ago(8))
    client = log_in_fully(Client(), operator)
    child = person(referral, "Noor").pk
    response = client.post(
        table_url(referral, "outcome"), outcome_post(referral, invited=[child], attended=[])
    )
    assert response.status_code == 400
    body = response.content.decode()
    # The error sits in the participants' field, under its checkboxes.
    field = body[body.index('name="invited"') :]
    assert field.index("jonger dan 12 jaar") < field.index('name="attended"')
    assert not TableMeeting.objects.exists()


def test_an_outcome_for_someone_not_in_the_case_is_an_error_not_a_crash(operator_client, referral):
    response = operator_client.post(
        table_url(referral, "outcome"), outcome_post(referral, invited=["999999"], outcome="x")
    )
    assert response.status_code == 400
    assert not TableMeeting.objects.exists()


def test_an_operator_outside_the_case_cannot_record_the_outcome(other_operator, referral):
    client = log_in_fully(Client(), other_operator)
    response = client.post(table_url(referral, "outcome"), outcome_post(referral))
    assert response.status_code in (403, 404)
    assert refused_rows(other_operator) >= 1
    assert not TableMeeting.objects.exists()


def test_a_supervisor_sends_an_urgent_request_to_the_raad_on_the_page(
    operator, supervisor, supervisor_client
):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    response = supervisor_client.post(urgent_url(case.pk), {"reason": "Acuut letsel bij baby."})
    assert response.status_code == 302
    request = CouncilRequest.objects.get(case=case)
    assert request.urgent
    page = supervisor_client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "spoed, zonder de tafel" in page
    assert "Acuut letsel bij baby." in page


def test_an_urgent_request_without_a_reason_shows_the_error_and_sends_nothing(
    operator, supervisor, supervisor_client
):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    response = supervisor_client.post(urgent_url(case.pk), {"reason": "   "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert not CouncilRequest.objects.exists()
    assert not Handover.objects.filter(case=case).exists()


def test_an_operator_cannot_send_an_urgent_request_and_the_refusal_is_logged(
    operator, supervisor, operator_client
):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    response = operator_client.post(urgent_url(case.pk), {"reason": "Spoed."})
    assert response.status_code == 403
    assert refused_rows(operator) == 1
    assert not CouncilRequest.objects.exists()


# --- the pages: the table's own members ---------------------------------------------------------


def partner_outcome_url(referral: TableReferral) -> str:
    return reverse("partner:table_outcome", args=[referral.handover_id])


def test_the_tables_members_record_its_outcome_in_their_inbox(table_member, referral):
    client = log_in_fully(Client(), table_member)
    page = client.get(reverse("partner:handover", args=[referral.handover_id]))
    assert "Uitkomst van de tafel" in page.content.decode()
    response = client.post(
        partner_outcome_url(referral),
        outcome_post(referral, outcome=TableMeeting.Outcome.NO_INVESTIGATION),
    )
    assert response.status_code == 302
    meeting = TableMeeting.objects.get()
    assert meeting.recorded_by == table_member
    handover = Handover.objects.get(pk=referral.handover_id)
    assert (handover.status, handover.decided_by) == (Handover.Status.ACCEPTED, table_member)
    assert Case.objects.get(pk=referral.case_id).state == State.DECISION


def test_the_tables_members_get_errors_at_the_field_in_their_inbox(table_member, referral):
    client = log_in_fully(Client(), table_member)
    response = client.post(partner_outcome_url(referral), outcome_post(referral, agreements=""))
    assert response.status_code == 400
    assert 'id="id_agreements_error"' in response.content.decode()
    assert not TableMeeting.objects.exists()


def test_another_organisations_member_cannot_record_the_tables_outcome_in_the_inbox(
    cjg_client, cjg_partner, referral
):
    response = cjg_client.post(partner_outcome_url(referral), outcome_post(referral))
    assert response.status_code in (403, 404)
    assert refused_rows(cjg_partner) >= 1
    assert not TableMeeting.objects.exists()


# --- deadlines on the case page and the supervisor's page ----------------------------------


def test_the_case_page_shows_the_tables_deadline(operator_client, referral):
    body = operator_client.get(
        reverse("cases:case_detail", args=[referral.case_id])
    ).content.decode()
    assert "Jeugdbeschermingstafel uiterlijk" in body
    assert 'href="{}"'.format(reverse("handover:case_table", args=[referral.case_id])) in body


def test_the_supervisor_sees_waiting_cases_overdue_first(operator, supervisor, supervisor_client):
    later = referred(operator, supervisor)
    overdue = referred(operator, supervisor)
    TableReferral.objects.filter(pk=overdue.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    body = supervisor_client.get(reverse("supervision:overview")).content.decode()
    section = body[body.index('id="table-heading"') :]
    assert section.index(overdue.case.reference) < section.index(later.case.reference)
    assert "te laat" in section[: section.index(later.case.reference)]


def test_a_postponed_case_appears_for_the_supervisor_when_its_review_is_due(
    operator, supervisor, referral
):
    record(
        referral,
        operator,
        outcome=TableMeeting.Outcome.POSTPONE,
        agreements="Afspraken.",
        review_on=timezone.localdate() + datetime.timedelta(days=60),
    )
    today = timezone.localdate()
    assert list(table_waiting(user=supervisor, today=today)) == []
    later = today + datetime.timedelta(days=50)
    assert [r.pk for r in table_waiting(user=supervisor, today=later)] == [referral.pk]


# --- the Raad answering, and rows from before the table was recorded ------------------------------


def test_the_raad_refusing_in_its_inbox_sends_the_request_back_to_the_decision(
    operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    request = council_request_urgent(case_id=case.pk, by=supervisor, reason="Spoed: letsel.")
    raad_member = make_partner("rob", RAAD)
    client = log_in_fully(Client(), raad_member)
    response = client.post(
        reverse("partner:reject", args=[request.handover_id]),
        {"reason": "Eerst de Jeugdbeschermingstafel."},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DECISION
    step = case.transitions.get(name="end_council_request")
    assert step.by == raad_member


def test_table_and_raad_handovers_from_before_become_referrals_and_requests(operator, supervisor):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "handover.migrations.0005_child_protection_table_and_council_requests"
    )
    waiting = referred(operator, supervisor)
    other = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    raad = handed_over(
        other, operator, RAAD, answers={"measure_to_consider": True, "lives_in_den_haag": False}
    )
    # As main left them: handovers without a referral or request.
    TableReferral.objects.all().delete()
    CouncilRequest.objects.all().delete()
    migration.existing_requests(apps, None)
    referral = TableReferral.objects.get(handover=waiting.handover)
    assert (referral.status, referral.due_on) == (TableReferral.Status.WAITING, waiting.due_on)
    assert CouncilRequest.objects.get(handover=raad).reason == raad.package["facts"]


def test_a_table_that_refuses_the_referral_leaves_no_deadline_behind(
    operator, referral, table_member
):
    client = log_in_fully(Client(), table_member)
    response = client.post(
        reverse("partner:reject", args=[referral.handover_id]),
        {"reason": "Eerst hulp via het CJG proberen."},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.due_on) == (TableReferral.Status.DONE, None)
    assert Case.objects.get(pk=referral.case_id).state == State.DECISION
