"""The acute path on the case (issue 16, item 1): acute from any source raises one alert,
an acute case runs on an hour clock, and it stays on the acute list until its safety
actions are recorded with their time."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.acute_clock import acute_clock
from cases.models import Case, CaseAuditKind, SafetyAction, SafetyActionKind
from events.catalogue import Audience, audiences_of, kind_reaches
from events.models import OutboxEvent
from privacy.models import AccessLogEntry
from tests.cases.factories import register_case
from tests.cases.test_views import intake_post
from tests.conftest import log_in_fully

NOON = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


def alerts() -> list[dict]:
    return list(OutboxEvent.objects.filter(kind="acute.alert").values_list("payload", flat=True))


def acute_case(by, *, minutes_ago: int = 0) -> Case:
    case = register_case(by, acute=True)
    if minutes_ago:
        since = timezone.now() - datetime.timedelta(minutes=minutes_ago)
        Case.objects.filter(pk=case.pk).update(acute_since=since)
        case.refresh_from_db()
    return case


def safety_post(**overrides: str) -> dict[str, str]:
    now = timezone.localtime()
    data = {
        "safety-kind": SafetyActionKind.POLICE,
        "safety-happened_on": now.strftime("%d-%m-%Y"),
        "safety-happened_at_time": (now - datetime.timedelta(minutes=5)).strftime("%H:%M"),
        "safety-note": "",
    }
    if now.hour == 0 and now.minute < 5:
        # Five minutes ago was yesterday: the date must go with the time.
        yesterday = now - datetime.timedelta(minutes=5)
        data["safety-happened_on"] = yesterday.strftime("%d-%m-%Y")
    data.update(overrides)
    return data


# --- one alert, from any source ---------------------------------------------------------------


def test_an_acute_phone_intake_alerts_the_operators_and_supervisors(operator_client):
    response = operator_client.post("/cases/new/", intake_post(**{"case-acute": "on"}))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.acute and case.acute_since is not None
    (payload,) = alerts()
    assert payload["case_id"] == case.pk
    assert payload["acute_since"] == case.acute_since.isoformat()
    # The alert is the intake's one event: no separate case.created for it.
    assert not OutboxEvent.objects.filter(kind="case.created").exists()


def test_the_alert_reaches_operators_and_supervisors_on_their_dashboards(operator, supervisor):
    assert kind_reaches("acute.alert", audiences_of(operator))
    assert kind_reaches("acute.alert", audiences_of(supervisor))
    assert Audience.HOTLINE in audiences_of(supervisor)


def test_an_intake_that_is_not_acute_raises_no_alert(operator_client):
    operator_client.post("/cases/new/", intake_post())
    assert alerts() == []
    assert Case.objects.get().acute_since is None


def test_a_case_already_on_the_acute_list_raises_no_second_alert(operator):
    case = acute_case(operator)
    services.case_flag_acute(case_id=case.pk, by=operator, reason="onthulling door een kind")
    assert len(alerts()) == 1


def test_a_childs_disclosure_on_a_case_makes_it_acute_with_one_alert(operator):
    case = register_case(operator)
    services.case_flag_acute(case_id=case.pk, by=operator, reason="onthulling door een kind")
    case.refresh_from_db()
    assert case.on_acute_list and case.acute_since is not None
    assert [p["case_id"] for p in alerts()] == [case.pk]


def test_a_handled_case_that_is_acute_again_starts_a_new_clock_and_alert(operator):
    case = acute_case(operator, minutes_ago=300)
    first_since = case.acute_since
    services.case_safety_action_record(
        case_id=case.pk, by=operator, kind=SafetyActionKind.POLICE, happened_at=timezone.now()
    )
    services.case_flag_acute(case_id=case.pk, by=operator, reason="opnieuw gevaar")
    case.refresh_from_db()
    assert case.on_acute_list
    assert case.acute_since is not None and first_since is not None
    assert case.acute_since > first_since
    assert len(alerts()) == 2


# --- the hour clock ---------------------------------------------------------------------------


def test_the_clock_says_how_long_is_left_within_the_hour():
    clock = acute_clock(NOON, NOON + datetime.timedelta(minutes=37))
    assert (clock.minutes_left, clock.overdue) == (23, False)
    assert clock.label == "eerste veiligheidsactie binnen 1 uur: nog 23 min"


def test_the_clock_says_how_late_after_the_hour():
    clock = acute_clock(NOON, NOON + datetime.timedelta(minutes=105))
    assert (clock.minutes_late, clock.overdue) == (45, True)
    assert clock.label == "eerste veiligheidsactie binnen 1 uur: 45 min te laat"


def test_a_fresh_one_hour_clock_says_sixty_minutes_not_one_hour_and_none():
    assert acute_clock(NOON, NOON).label == "eerste veiligheidsactie binnen 1 uur: nog 60 min"


def test_the_hours_come_from_the_setting(settings):
    settings.ACUTE_FIRST_ACTION_HOURS = 4
    clock = acute_clock(NOON, NOON + datetime.timedelta(minutes=90))
    assert clock.due == NOON + datetime.timedelta(hours=4)
    assert clock.label == "eerste veiligheidsactie binnen 4 uur: nog 2 uur 30 min"


def test_an_acute_case_page_shows_the_hour_clock_not_working_days(operator_client, operator):
    case = acute_case(operator)
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "eerste veiligheidsactie binnen 1 uur: nog" in page
    assert "werkdag" not in page


def test_an_acute_case_past_its_clock_says_it_is_late(operator_client, operator):
    case = acute_case(operator, minutes_ago=120)
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "te laat" in page
    listing = operator_client.get("/cases/").content.decode()
    assert "eerste veiligheidsactie binnen 1 uur:" in listing and "te laat" in listing


# --- recording the safety actions -------------------------------------------------------------


def test_recording_the_first_safety_action_takes_the_case_off_the_acute_list(
    operator_client, operator
):
    case = acute_case(operator, minutes_ago=30)
    response = operator_client.post(f"/cases/{case.pk}/safety-actions/", safety_post())
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.on_acute_list
    assert case.acute, "the flag stays: what the assessment found; only the clock stopped"
    (action,) = SafetyAction.objects.filter(case=case)
    assert (action.kind, action.recorded_by) == (SafetyActionKind.POLICE, operator)
    assert action.happened_at <= timezone.now()
    assert AccessLogEntry.objects.filter(
        target_id=str(case.pk), reason=f"{CaseAuditKind.SAFETY_ACTION_RECORDED}:police"
    ).exists()
    event = OutboxEvent.objects.filter(kind="case.changed").latest("seq")
    assert event.payload["action"] == "safety_action"
    # Ids and flags only: the note and the kind's words are not in the event.
    assert "note" not in event.payload


def test_the_case_page_lists_the_actions_with_their_time(operator_client, operator):
    case = acute_case(operator)
    operator_client.post(
        f"/cases/{case.pk}/safety-actions/",
        safety_post(**{"safety-kind": SafetyActionKind.CHILDREN_SAFE_TONIGHT}),
    )
    page = operator_client.get(f"/cases/{case.pk}/").content.decode()
    assert "Veiligheid van de kinderen voor vannacht geregeld" in page
    assert "eerste veiligheidsactie binnen" not in page


def test_no_action_possible_needs_the_reason_and_nothing_is_saved_without_it(
    operator_client, operator
):
    case = acute_case(operator)
    response = operator_client.post(
        f"/cases/{case.pk}/safety-actions/",
        safety_post(**{"safety-kind": SafetyActionKind.NONE_POSSIBLE}),
    )
    assert response.status_code == 400
    assert "Schrijf op waarom geen veiligheidsactie mogelijk was." in response.content.decode()
    assert not SafetyAction.objects.exists()
    case.refresh_from_db()
    assert case.on_acute_list
    response = operator_client.post(
        f"/cases/{case.pk}/safety-actions/",
        safety_post(
            **{"safety-kind": SafetyActionKind.NONE_POSSIBLE, "safety-note": "Beller hing op."}
        ),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.on_acute_list


def test_a_time_in_the_future_is_refused_next_to_the_field_and_nothing_is_saved(
    operator_client, operator
):
    case = acute_case(operator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = operator_client.post(
        f"/cases/{case.pk}/safety-actions/",
        safety_post(**{"safety-happened_on": tomorrow.strftime("%d-%m-%Y")}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_safety-happened_at_time_error"' in page
    assert "Dit tijdstip ligt in de toekomst." in page
    assert not SafetyAction.objects.exists()


def test_a_time_long_before_the_alert_is_refused_by_the_action(operator):
    case = acute_case(operator)
    with pytest.raises(services.TransitionRefused, match="meer dan een dag voor"):
        services.case_safety_action_record(
            case_id=case.pk,
            by=operator,
            kind=SafetyActionKind.POLICE,
            happened_at=timezone.now() - datetime.timedelta(days=3),
        )
    assert not SafetyAction.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("safety-kind", "drone"),
        ("safety-happened_on", "31-02-2026"),
        ("safety-happened_on", "gisteren"),
        ("safety-happened_at_time", "25:99"),
        ("safety-happened_at_time", ""),
    ],
)
def test_odd_input_is_an_error_at_the_field_never_a_500(operator_client, operator, field, value):
    case = acute_case(operator)
    response = operator_client.post(
        f"/cases/{case.pk}/safety-actions/", safety_post(**{field: value})
    )
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode() or (
        field == "safety-kind" and "Kies welke veiligheidsactie" in response.content.decode()
    )
    assert not SafetyAction.objects.exists()


def test_an_operator_outside_need_to_know_is_refused_and_it_is_logged(
    operator_client, other_operator, caplog
):
    theirs = acute_case(other_operator)
    with caplog.at_level(logging.WARNING, logger="veiligthuis.security"):
        response = operator_client.post(f"/cases/{theirs.pk}/safety-actions/", safety_post())
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(target_id=str(theirs.pk), allowed=False).exists()
    assert any("case outside need-to-know" in r.getMessage() for r in caplog.records)
    assert not SafetyAction.objects.exists()


def test_someone_without_a_role_is_refused_and_it_is_logged(django_user_model, operator):
    from accounts.devices import totp_device_model
    from tests.conftest import PASSWORD

    case = acute_case(operator)
    stranger = django_user_model.objects.create_user("vreemde", password=PASSWORD)
    totp_device_model().objects.create(user=stranger, name="x", confirmed=True)
    client = log_in_fully(Client(), stranger)
    response = client.post(f"/cases/{case.pk}/safety-actions/", safety_post())
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(
        allowed=False, target_id="cases:safety_action_new"
    ).exists()
    assert not SafetyAction.objects.exists()


# --- lifting the flag -------------------------------------------------------------------------


def test_the_acute_flag_cannot_be_lifted_before_a_safety_action_is_recorded(operator):
    case = acute_case(operator)
    with pytest.raises(services.TransitionRefused, match="Leg eerst de veiligheidsactie vast"):
        services.case_clear_acute(case_id=case.pk, by=operator, action_taken="Politie gebeld.")
    case.refresh_from_db()
    assert case.acute and case.on_acute_list
    assert AccessLogEntry.objects.filter(
        target_id=str(case.pk), allowed=False, reason__startswith="case_clear_acute"
    ).exists()


def test_the_assessment_page_of_an_acute_case_shows_the_hour_clock_not_working_days(
    operator_client, operator
):
    case = acute_case(operator)
    page = operator_client.get(f"/cases/{case.pk}/assessment/").content.decode()
    assert "eerste veiligheidsactie binnen 1 uur: nog" in page
    assert "werkdag" not in page
