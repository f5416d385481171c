"""Handing a case over: the package, the rule or the override, acceptance, rejection and
escalation."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import override_settings

from cases.codes import Decision
from cases.models import CaseTransition, MonitoringContact, State
from cases.working_days import is_working_day
from events.models import OutboxEvent
from handover.models import Handover
from handover.services import (
    HandoverError,
    handover_accept,
    handover_accept_due,
    handover_reject,
    handovers_escalate,
)
from privacy.models import AccessLogEntry
from tests.handover.conftest import bystander_contact, decided_case, handed_over

pytestmark = pytest.mark.django_db

REPORTER_DETAILS = ("Henk Buurman", "0612345678", "henk@buurman.example", "Zeeheldenkwartier")


def package_text(handover: Handover) -> str:
    return json.dumps(Handover.objects.get(pk=handover.pk).package, ensure_ascii=False)


# --- the package ----------------------------------------------------------------------------


def test_the_package_holds_the_safety_conditions_the_facts_and_the_people(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    package = Handover.objects.get(pk=handover.pk).package
    assert package["safety_conditions"] == [
        "Geen geweld in het bijzijn van de kinderen",
        "Vader volgt plegerhulp",
    ]
    assert package["facts"].startswith("Twee kinderen")
    assert {person["name"] for person in package["people"]} == {"Noor de Vries", "Kees Bakker"}
    assert package["reference"] == case.reference


def test_the_reporters_identity_is_absent_from_the_package_without_consent(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL, contact=bystander_contact())
    text = package_text(handed_over(case, operator))
    for detail in REPORTER_DETAILS:
        assert detail not in text
    # Nor the account or the decision's reasoning, which may reveal who reported.
    assert "Buren horen" not in text
    assert "Onderbouwing" not in text


def test_the_reporters_identity_is_in_the_package_when_they_consented(operator, supervisor):
    case = decided_case(
        operator,
        supervisor,
        Decision.HANDOVER_LOCAL,
        contact=bystander_contact(),
        reporter_consents_to_disclosure=True,
    )
    package = Handover.objects.get(pk=handed_over(case, operator).pk).package
    assert package["reporters"] == [
        {
            "name": "Henk Buurman",
            "role": "bystander",
            "organisation": "Buurtvereniging Zeeheldenkwartier",
        }
    ]


def test_the_package_is_stored_encrypted(operator, supervisor):
    from django.db import connection

    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    with connection.cursor() as cursor:
        cursor.execute("SELECT package FROM routing_handover WHERE id = %s", [handover.pk])
        raw = cursor.fetchone()[0]
    assert "Noor" not in raw and "plegerhulp" not in raw


# --- the rule, or staff choosing otherwise -----------------------------------------------


def test_a_handover_to_the_proposed_organisation_records_the_rule(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator, "cjg-den-haag")
    assert handover.rule_id == "upbringing_questions"
    assert handover.override_reason == ""
    assert handover.status == Handover.Status.PENDING
    assert handover.proposals[0]["destination"] == "cjg-den-haag"


def test_staff_choosing_another_organisation_is_recorded_with_their_reason(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(
        case,
        operator,
        "wijkteams-den-haag",
        override_reason="Het wijkteam kent het gezin al en heeft een hulpverlener in huis.",
    )
    handover = Handover.objects.get(pk=handover.pk)
    assert handover.rule_id == ""
    assert handover.override_reason.startswith("Het wijkteam kent het gezin")
    assert handover.overridden
    assert [p["destination"] for p in handover.proposals] == ["cjg-den-haag"]
    assert AccessLogEntry.objects.filter(
        target_type="handover.handover", target_id=str(handover.pk), reason__contains="override"
    ).exists()


def test_choosing_otherwise_without_a_reason_is_refused_and_nothing_is_saved(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    with pytest.raises(HandoverError) as refusal:
        handed_over(case, operator, "wijkteams-den-haag", override_reason="  ")
    assert refusal.value.field == "override_reason"
    assert not Handover.objects.exists()


def test_a_handover_without_safety_conditions_is_refused(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    with pytest.raises(HandoverError) as refusal:
        handed_over(case, operator, safety_conditions=["", "  "])
    assert refusal.value.field == "safety_conditions"
    assert not Handover.objects.exists()


def test_a_case_still_in_intake_cannot_be_handed_over(operator):
    from tests.cases.factories import register_case

    case = register_case(operator)
    with pytest.raises(HandoverError, match="kan het dossier niet worden overgedragen"):
        handed_over(case, operator)
    assert not Handover.objects.exists()


def test_a_second_open_handover_to_the_same_organisation_is_refused(operator, supervisor):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handed_over(case, operator)
    with pytest.raises(HandoverError, match="al een overdracht"):
        handed_over(case, operator)
    assert Handover.objects.count() == 1


def test_someone_without_a_case_role_cannot_hand_over(operator, supervisor, cjg_partner):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    with pytest.raises(HandoverError) as refusal:
        handed_over(case, cjg_partner)
    assert refusal.value.status == 403
    assert not Handover.objects.exists()


# --- acceptance and rejection --------------------------------------------------------------


def test_an_accepted_local_handover_puts_the_case_into_monitoring(
    operator, supervisor, cjg, cjg_partner
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handover_accept(handover_id=handover.pk, organisation=cjg, by=cjg_partner, via="inbox")
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == Handover.Status.ACCEPTED
    assert handover.decided_by == cjg_partner
    assert case.state == State.MONITORING
    assert list(
        MonitoringContact.objects.filter(case=case).values_list("months_after_handover", flat=True)
    ) == [3, 12, 18]
    # One action, one event: the case's, naming the handover.
    (event,) = OutboxEvent.objects.filter(kind="case.changed", payload__action="handover_accepted")
    assert (event.payload["handover_id"], event.payload["state"]) == (handover.pk, "monitoring")


def test_an_accepted_handover_to_jeugdbescherming_west_closes_the_case(operator, supervisor, jbw):
    case = decided_case(operator, supervisor, Decision.HANDOVER_JBW)
    handover = handed_over(
        case, operator, "jeugdbescherming-west", answers={"measure_in_force": True}
    )
    handover_accept(handover_id=handover.pk, organisation=jbw, by=None, via="api")
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_a_rejected_handover_returns_the_case_to_decision(operator, supervisor, cjg, cjg_partner):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handover_reject(
        handover_id=handover.pk,
        organisation=cjg,
        by=cjg_partner,
        via="inbox",
        reason="Geen capaciteit; het wijkteam is beter passend.",
    )
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == Handover.Status.REJECTED
    assert handover.decision_reason.startswith("Geen capaciteit")
    assert case.state == State.DECISION
    assert case.decision == ""
    step = CaseTransition.objects.filter(case=case).last()
    assert step is not None
    assert step.name == "reject_handover"
    assert "Geen capaciteit" in step.reason


def test_a_rejected_request_to_the_table_returns_the_case_to_decision(operator, supervisor):
    from handover.models import PartnerOrganisation

    case = decided_case(operator, supervisor, Decision.COUNCIL_REQUEST)
    handover = handed_over(
        case,
        operator,
        "jeugdbeschermingstafel-den-haag",
        answers={"measure_to_consider": True, "lives_in_den_haag": True},
    )
    table = PartnerOrganisation.objects.get(slug="jeugdbeschermingstafel-den-haag")
    handover_reject(
        handover_id=handover.pk, organisation=table, by=None, via="api", reason="Eerst CJG."
    )
    case.refresh_from_db()
    assert case.state == State.DECISION


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(operator, supervisor, cjg):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    with pytest.raises(HandoverError) as refusal:
        handover_reject(handover_id=handover.pk, organisation=cjg, by=None, via="api", reason="")
    assert refusal.value.field == "reason"
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert case.state == State.HANDOVER_LOCAL


def test_a_decided_handover_cannot_be_decided_again(operator, supervisor, cjg):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handover_accept(handover_id=handover.pk, organisation=cjg, by=None, via="api")
    with pytest.raises(HandoverError) as refusal:
        handover_reject(handover_id=handover.pk, organisation=cjg, by=None, via="api", reason="x")
    assert refusal.value.status == 409


def test_another_organisation_cannot_accept_a_handover(operator, supervisor, jbw):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    with pytest.raises(HandoverError) as refusal:
        handover_accept(handover_id=handover.pk, organisation=jbw, by=None, via="api")
    assert refusal.value.status == 404
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_one_rejection_leaves_the_case_waiting_while_another_handover_is_open(
    operator, supervisor, cjg
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL, acute=True)
    first = handed_over(case, operator, "cjg-den-haag")
    handed_over(case, operator, "politie-den-haag", answers={})
    handover_reject(handover_id=first.pk, organisation=cjg, by=None, via="api", reason="Nee.")
    case.refresh_from_db()
    assert case.state == State.HANDOVER_LOCAL


# --- escalation -------------------------------------------------------------------------------


@override_settings(HANDOVER_ACCEPT_WORKING_DAYS=3)
def test_the_acceptance_deadline_counts_dutch_working_days():
    # Friday 25 April 2025; Koningsdag falls on Saturday 26 April that year.
    assert handover_accept_due(datetime.date(2025, 4, 25)) == datetime.date(2025, 4, 30)
    # Friday 2 May 2025: 5 May (Monday) is not a working day under the Algemene termijnenwet.
    assert handover_accept_due(datetime.date(2025, 5, 2)) == datetime.date(2025, 5, 8)
    assert not is_working_day(datetime.date(2025, 5, 5))


def test_a_handover_not_accepted_by_the_deadline_escalates_to_the_supervisors_once(
    operator, supervisor
):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    assert handovers_escalate(today=handover.accept_due) == []
    day_after = handover.accept_due + datetime.timedelta(days=1)
    assert handovers_escalate(today=day_after) == [handover.pk]
    assert handovers_escalate(today=day_after + datetime.timedelta(days=3)) == []
    handover.refresh_from_db()
    assert handover.status == Handover.Status.ESCALATED
    events = OutboxEvent.objects.filter(kind="handover.escalated")
    assert events.count() == 1
    # Who receives it is the catalogue's business (events.catalogue), not the payload's.
    assert set(events.get().payload) == {
        "handover_id",
        "case_id",
        "reference",
        "organisation",
        "status",
        "accept_due",
    }


def test_an_escalated_handover_can_still_be_accepted(operator, supervisor, cjg):
    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    handovers_escalate(today=handover.accept_due + datetime.timedelta(days=1))
    handover_accept(handover_id=handover.pk, organisation=cjg, by=None, via="api")
    case.refresh_from_db()
    assert case.state == State.MONITORING


def test_the_escalate_handovers_command_escalates_overdue_handovers(operator, supervisor):
    from django.core.management import call_command

    case = decided_case(operator, supervisor, Decision.HANDOVER_LOCAL)
    handover = handed_over(case, operator)
    Handover.objects.filter(pk=handover.pk).update(accept_due=datetime.date(2020, 1, 6))
    call_command("escalate_handovers")
    handover.refresh_from_db()
    assert handover.status == Handover.Status.ESCALATED
