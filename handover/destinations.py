"""Destination rules: from the decision and the facts of a case, which organisation(s)
to hand over to, and why, in words.

The rules are data (handover/rules/destinations.json); `propose` is a pure function of the
rules and the facts, so every rule can be tested without a database. Staff may choose
another destination; the handover then records their reason (handover.services).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

RULES_FILE = Path(__file__).resolve().parent / "rules" / "destinations.json"

# The facts a rule may ask about. The decision and the acute flag come from the case,
# partner_violence from its forms of violence; the rest are explicit answers on the
# handover form (the case model does not hold them).
FACT_QUESTIONS: dict[str, Any] = {
    "measure_in_force": _(
        "Geldt er een kinderbeschermingsmaatregel (ondertoezichtstelling, voogdij, "
        "jeugdreclassering)?"
    ),
    "measure_to_consider": _("Moet een kinderbeschermingsmaatregel worden overwogen?"),
    "lives_in_den_haag": _("Woont het gezin in de gemeente Den Haag?"),
    "upbringing_questions": _("Gaat het om opvoed- of opgroeivragen of lichte ondersteuning?"),
    "needs_safe_place": _("Heeft een slachtoffer een veilige plek (opvang) nodig?"),
    "perpetrator_seeks_help": _("Vraagt de pleger zelf om hulp?"),
}
CASE_FACTS = ("decision", "acute", "partner_violence")
KNOWN_FACTS = frozenset(CASE_FACTS) | frozenset(FACT_QUESTIONS)


class RulesError(ValueError):
    """The rules file is not valid; the message says where."""


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict[str, Any]
    destination: str
    reason: dict[str, str]
    fallback: bool = False

    def applies(self, facts: dict[str, Any]) -> bool:
        for name, expected in self.when.items():
            value = facts.get(name)
            if isinstance(expected, list):
                matches = value in expected
            elif isinstance(expected, bool):
                # An unanswered question counts as "no".
                matches = bool(value) == expected
            else:
                matches = value == expected
            if not matches:
                return False
        return True

    def reason_in(self, language: str) -> str:
        return self.reason.get(language) or self.reason["nl"]


@dataclass(frozen=True)
class Proposal:
    """A proposed destination: the organisation's slug, the rule and the reason in words."""

    destination: str
    rule_id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"destination": self.destination, "rule_id": self.rule_id, "reason": self.reason}


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]


def parse_rules(data: dict[str, Any], *, organisations: set[str]) -> RuleSet:
    """Validate the rules document; refuse unknown facts and destinations by rule id."""
    if not isinstance(data.get("rules"), list) or not data.get("version"):
        raise RulesError("The rules file needs a version and a list of rules.")
    rules = []
    seen: set[str] = set()
    for position, raw in enumerate(data["rules"], start=1):
        rule_id = raw.get("id") or f"#{position}"
        if rule_id in seen:
            raise RulesError(f"Rule {rule_id}: the id is used twice.")
        seen.add(rule_id)
        when = raw.get("when")
        if not isinstance(when, dict) or not when:
            raise RulesError(f"Rule {rule_id}: `when` must name at least one fact.")
        unknown = set(when) - KNOWN_FACTS
        if unknown:
            raise RulesError(f"Rule {rule_id}: unknown fact(s) {', '.join(sorted(unknown))}.")
        if raw.get("destination") not in organisations:
            raise RulesError(f"Rule {rule_id}: unknown destination {raw.get('destination')!r}.")
        reason = raw.get("reason")
        if not isinstance(reason, dict) or not reason.get("nl"):
            raise RulesError(f"Rule {rule_id}: a reason in Dutch (`nl`) is required.")
        rules.append(
            Rule(
                id=rule_id,
                when=when,
                destination=raw["destination"],
                reason=reason,
                fallback=bool(raw.get("fallback")),
            )
        )
    return RuleSet(version=str(data["version"]), rules=tuple(rules))


def organisation_slugs() -> set[str]:
    from handover.organisations import organisations_data

    return {organisation["slug"] for organisation in organisations_data()}


@cache
def rules_current() -> RuleSet:
    return parse_rules(json.loads(RULES_FILE.read_text()), organisations=organisation_slugs())


def rule_reason(rule_id: str, language: str) -> str:
    """Why a rule proposed its destination, in the reader's language: what a screen shows
    for a handover's rule (never its id). A rule since removed from the file shows a dash."""
    for rule in rules_current().rules:
        if rule.id == rule_id:
            return rule.reason_in(language)
    return "\N{EN DASH}"


def propose(
    facts: dict[str, Any], *, rules: RuleSet | None = None, language: str = "nl"
) -> list[Proposal]:
    """Every destination the rules propose for these facts, in rule order, each once."""
    rule_set = rules or rules_current()
    proposals: list[Proposal] = []
    destinations: set[str] = set()
    for rule in rule_set.rules:
        if rule.fallback or not rule.applies(facts):
            continue
        if rule.destination not in destinations:
            destinations.add(rule.destination)
            proposals.append(Proposal(rule.destination, rule.id, rule.reason_in(language)))
    if not proposals:
        for rule in rule_set.rules:
            if rule.fallback and rule.applies(facts):
                proposals.append(Proposal(rule.destination, rule.id, rule.reason_in(language)))
                break
    return proposals


def facts_for(case: Any, answers: dict[str, bool]) -> dict[str, Any]:
    """The facts the rules see: from the case, plus the explicit answers on the form."""
    facts: dict[str, Any] = {
        "decision": case.decision,
        "acute": bool(case.acute),
        "partner_violence": "partner_violence" in (case.violence_forms or []),
    }
    for name in FACT_QUESTIONS:
        facts[name] = bool(answers.get(name))
    return facts


def initial_answers(case: Any) -> dict[str, bool]:
    """What the form suggests before staff answer: the decision already says some of it."""
    return {
        "measure_in_force": case.decision == "handover_jbw",
        "measure_to_consider": case.decision == "council_request",
        "lives_in_den_haag": False,
        "upbringing_questions": False,
        "needs_safe_place": False,
        "perpetrator_seeks_help": case.contacts.filter(role="perpetrator").exists(),
    }
