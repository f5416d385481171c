"""The destination rules: one test per rule, each proposing an organisation with its reason."""

from __future__ import annotations

import pytest

from handover.destinations import RulesError, parse_rules, propose, rules_current
from handover.models import PartnerOrganisation
from handover.organisations import organisations_data


def facts(**given) -> dict:
    base = {
        "decision": "handover_local",
        "acute": False,
        "partner_violence": False,
        "measure_in_force": False,
        "measure_to_consider": False,
        "lives_in_den_haag": False,
        "upbringing_questions": False,
        "needs_safe_place": False,
        "perpetrator_seeks_help": False,
    }
    base.update(given)
    return base


def destinations_for(**given) -> list[str]:
    return [proposal.destination for proposal in propose(facts(**given))]


def test_a_child_protection_measure_in_force_goes_to_jeugdbescherming_west():
    proposals = propose(facts(decision="handover_jbw", measure_in_force=True))
    assert [p.destination for p in proposals] == ["jeugdbescherming-west"]
    assert proposals[0].rule_id == "measure_in_force"
    assert "kinderbeschermingsmaatregel" in proposals[0].reason


def test_a_measure_to_consider_in_den_haag_goes_to_the_jeugdbeschermingstafel():
    proposals = propose(
        facts(decision="council_request", measure_to_consider=True, lives_in_den_haag=True)
    )
    assert [p.destination for p in proposals] == ["jeugdbeschermingstafel-den-haag"]
    assert "Jeugdbeschermingstafel" in proposals[0].reason


def test_a_measure_to_consider_outside_den_haag_goes_to_the_raad():
    proposals = propose(
        facts(decision="council_request", measure_to_consider=True, lives_in_den_haag=False)
    )
    assert [p.destination for p in proposals] == ["raad-kinderbescherming-den-haag"]
    assert "Raad voor de Kinderbescherming" in proposals[0].reason


def test_upbringing_questions_or_light_support_go_to_the_cjg():
    proposals = propose(facts(upbringing_questions=True))
    assert [p.destination for p in proposals] == ["cjg-den-haag"]
    assert proposals[0].rule_id == "upbringing_questions"
    assert "CJG" in proposals[0].reason


def test_acute_danger_goes_to_the_police():
    proposals = propose(facts(acute=True))
    assert [p.destination for p in proposals] == ["politie-den-haag"]
    assert "112" in proposals[0].reason


def test_a_victim_of_partner_violence_who_needs_a_safe_place_goes_to_the_shelter():
    assert destinations_for(partner_violence=True, needs_safe_place=True) == ["blijf-haaglanden"]


def test_a_safe_place_without_partner_violence_proposes_no_shelter():
    assert "blijf-haaglanden" not in destinations_for(needs_safe_place=True)


def test_a_perpetrator_asking_for_help_goes_to_the_local_team():
    proposals = propose(facts(perpetrator_seeks_help=True))
    assert [p.destination for p in proposals] == ["wijkteams-den-haag"]
    assert "plegerhulp" in proposals[0].reason


def test_a_local_handover_with_nothing_else_known_goes_to_the_cjg_as_the_local_field():
    proposals = propose(facts(decision="conditions"))
    assert [(p.destination, p.rule_id) for p in proposals] == [("cjg-den-haag", "local_field")]


def test_the_fallback_is_not_proposed_when_another_rule_applies():
    assert destinations_for(perpetrator_seeks_help=True) == ["wijkteams-den-haag"]


def test_several_rules_propose_several_destinations_in_rule_order_each_once():
    assert destinations_for(
        acute=True, partner_violence=True, needs_safe_place=True, upbringing_questions=True
    ) == ["politie-den-haag", "cjg-den-haag", "blijf-haaglanden"]


def test_a_decision_to_close_proposes_nothing():
    assert destinations_for(decision="advice_close") == []


def test_the_reason_comes_in_english_when_asked():
    proposal = propose(facts(acute=True), language="en")[0]
    assert proposal.reason.startswith("Acute danger")


def test_every_rule_names_an_organisation_that_is_loaded_as_data(db):
    slugs = set(PartnerOrganisation.objects.values_list("slug", flat=True))
    assert {rule.destination for rule in rules_current().rules} <= slugs
    assert slugs == {row["slug"] for row in organisations_data()}


def test_the_organisations_include_each_partner_with_how_it_receives_handovers(db):
    received = dict(PartnerOrganisation.objects.values_list("slug", "receives_via"))
    assert received == {
        "cjg-den-haag": "inbox",
        "jeugdbescherming-west": "api",
        "jeugdbeschermingstafel-den-haag": "inbox",
        "raad-kinderbescherming-den-haag": "inbox",
        "politie-den-haag": "phone",
        "blijf-haaglanden": "phone",
        "wijkteams-den-haag": "inbox",
    }


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {
                "id": "x",
                "when": {"moon_phase": True},
                "destination": "cjg-den-haag",
                "reason": {"nl": "r"},
            },
            "unknown fact",
        ),
        (
            {"id": "x", "when": {"acute": True}, "destination": "nowhere", "reason": {"nl": "r"}},
            "unknown destination",
        ),
        (
            {"id": "x", "when": {}, "destination": "cjg-den-haag", "reason": {"nl": "r"}},
            "at least one fact",
        ),
        (
            {"id": "x", "when": {"acute": True}, "destination": "cjg-den-haag", "reason": {}},
            "reason in Dutch",
        ),
    ],
)
def test_a_broken_rules_file_is_refused_naming_the_rule(rule, message):
    with pytest.raises(RulesError, match=message):
        parse_rules({"version": "t", "rules": [rule]}, organisations={"cjg-den-haag"})
