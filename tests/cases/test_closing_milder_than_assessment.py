"""Closing a case where acute or structural unsafety was found (issue 16): only with a
gedragswetenschapper's written reason, checked once in cases.services.case_close; and the
close step asks for confirmation before anything changes."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import roles
from cases.codes import CaseType, PersonRole
from cases.models import Case, CaseTransition, State
from cases.services import ReasonRequired, TransitionRefused, case_close, case_flag_acute
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case
from tests.conftest import log_in_fully, make_staff

pytestmark = pytest.mark.django_db

LOWERING = "Politie heeft de pleger aangehouden; slachtoffer is veilig bij familie."
ADULT = [{"role": PersonRole.VICTIM, "is_child": False, "name": "Sanne de Vries"}]


@pytest.fixture
def gedragswetenschapper(db):
    return make_staff("gwen", roles.GEDRAGSWETENSCHAPPER)


@pytest.fixture
def acute_advice(operator) -> Case:
    case = register_case(operator, case_type=CaseType.ADVICE, people=ADULT)
    return case_flag_acute(case_id=case.pk, by=operator, reason="Nu in gevaar.")


def refusals_of(user) -> list[str]:
    return list(
        AccessLogEntry.objects.filter(actor_id=user.pk, allowed=False).values_list(
            "reason", flat=True
        )
    )


def test_closing_an_acute_case_is_refused_without_a_gedragswetenschappers_reason(
    acute_advice, operator, gedragswetenschapper
):
    with pytest.raises(TransitionRefused, match="gedragswetenschapper"):
        case_close(case_id=acute_advice.pk, by=operator, reason="Advies gegeven.")
    with pytest.raises(ReasonRequired):
        case_close(case_id=acute_advice.pk, by=gedragswetenschapper, reason="Advies gegeven.")
    acute_advice.refresh_from_db()
    assert acute_advice.state == State.INTAKE
    assert len(refusals_of(operator)) == 1
    assert len(refusals_of(gedragswetenschapper)) == 1


def test_a_teamleider_cannot_close_an_acute_case_where_a_gedragswetenschapper_works(
    acute_advice, supervisor, gedragswetenschapper
):
    with pytest.raises(TransitionRefused):
        case_close(
            case_id=acute_advice.pk, by=supervisor, reason="Klaar.", lowering_reason=LOWERING
        )
    assert Case.objects.get(pk=acute_advice.pk).state == State.INTAKE
    assert len(refusals_of(supervisor)) == 1


def test_a_gedragswetenschapper_closes_an_acute_case_with_a_written_reason(
    acute_advice, gedragswetenschapper
):
    case_close(
        case_id=acute_advice.pk,
        by=gedragswetenschapper,
        reason="Advies gegeven.",
        lowering_reason=LOWERING,
    )
    case = Case.objects.get(pk=acute_advice.pk)
    assert case.state == State.CLOSED
    assert (case.lowering_reason, case.lowering_reason_by) == (LOWERING, gedragswetenschapper)
    assert LOWERING in CaseTransition.objects.get(case=case, name="close").reason


def test_closing_a_case_without_unsafety_needs_no_gedragswetenschapper(operator):
    case = register_case(operator, case_type=CaseType.ADVICE, people=ADULT)
    case_close(case_id=case.pk, by=operator, reason="Advies gegeven.")
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


# --- the close step on the case page: confirm first ---------------------------------------


def close_url(case) -> str:
    return f"/cases/{case.pk}/step/close/"


def test_the_first_close_post_only_asks_for_confirmation(operator, operator_client):
    case = register_case(operator, case_type=CaseType.ADVICE, people=ADULT)
    response = operator_client.post(close_url(case), {"version": case.version, "reason": "Klaar."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dossier afsluiten?" in html
    assert 'name="confirmed" value="1"' in html
    assert Case.objects.get(pk=case.pk).state == State.INTAKE
    response = operator_client.post(
        close_url(case), {"version": case.version, "reason": "Klaar.", "confirmed": "1"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


def test_an_operator_is_refused_closing_an_acute_case_and_the_refusal_is_logged(
    acute_advice, operator, operator_client, gedragswetenschapper
):
    response = operator_client.post(
        close_url(acute_advice), {"version": acute_advice.version, "reason": "Klaar."}
    )
    assert response.status_code == 403
    assert "gedragswetenschapper" in response.content.decode()
    assert Case.objects.get(pk=acute_advice.pk).state == State.INTAKE
    assert refusals_of(operator) == [f"case_close_check: {_lowering_refusal_text()}"[:200]]


def _lowering_refusal_text() -> str:
    return (
        "De beoordeling vond acute of structurele onveiligheid: alleen een "
        "gedragswetenschapper kan met een schriftelijke reden tot advies of afsluiten besluiten."
    )


def test_closing_an_acute_case_without_the_reason_shows_the_error_next_to_the_field(
    acute_advice, gedragswetenschapper
):
    client = log_in_fully(Client(), gedragswetenschapper)
    data = {"version": acute_advice.version, "reason": "Klaar.", "confirmed": "1"}
    response = client.post(close_url(acute_advice), {**data, "lowering_reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="lowering-reason_error"' in html
    assert 'aria-describedby="lowering-warning lowering-reason_error"' in html
    # The one error pattern: listed at the top too, as a link to the field.
    assert 'class="error-summary"' in html and 'href="#lowering-reason"' in html
    assert Case.objects.get(pk=acute_advice.pk).state == State.INTAKE
    response = client.post(close_url(acute_advice), {**data, "lowering_reason": LOWERING})
    assert response.status_code == 302
    page = client.get(f"/cases/{acute_advice.pk}/").content.decode()
    assert LOWERING in page
    assert "Reden om af te wijken van de beoordeling" in page
