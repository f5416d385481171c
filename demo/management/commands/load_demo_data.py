from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import roles
from accounts.models import User
from accounts.services import staff_create
from cases import working_days
from cases.codes import CaseType, ContactRole, Decision, PersonRole
from cases.models import Case
from cases.services import (
    IntakeData,
    case_accept_handover,
    case_close,
    case_flag_acute,
    case_transition,
    intake_register,
)
from handover.services import handover_create, table_referral_prepare
from huisverbod.models import TaskKind
from huisverbod.services import huisverbod_record, huisverbod_task_done
from safety_assessment.instrument_loader import instrument_get
from safety_assessment.services import assessment_decide, decision_approve, decision_propose

DEMO_PASSWORD = "veilig-thuis-demo"
DEMO_STAFF = [
    ("anouk", roles.OPERATOR, "Team Centrum"),
    ("bram", roles.OPERATOR, "Team Zuidwest"),
    ("carla", roles.SUPERVISOR, "Team Centrum"),
    # The protocol's decision makers: with them in the region, the teamleider (carla) no
    # longer approves decisions; daan does, and eva the medical questions.
    ("daan", roles.GEDRAGSWETENSCHAPPER, "Team Centrum"),
    ("eva", roles.VERTROUWENSARTS, "Team Centrum"),
]


def _victim(name: str, phone: str) -> dict[str, Any]:
    return {
        "channel": "phone",
        "role": ContactRole.VICTIM,
        "name": name,
        "phone": phone,
        "safety_check": {
            "safe_to_talk": "yes",
            "other_person_nearby": "no",
            "children_present": "yes",
        },
        "safe_number": phone,
        "safe_window_start": datetime.time(9, 0),
        "safe_window_end": datetime.time(12, 0),
    }


def _case(
    by: User,
    *,
    contact: dict[str, Any],
    account: str,
    forms: list[str],
    people: list[dict[str, Any]],
    postcode: str,
    number: str,
    case_type: str = CaseType.REPORT,
) -> Case:
    return intake_register(
        intake=IntakeData(
            contact=contact,
            case={
                "case_type": case_type,
                "account": account,
                "violence_forms": forms,
                "address": {"postcode": postcode, "house_number": number, "city": "Den Haag"},
            },
            people=people,
        ),
        by=by,
    )


def _assess(case: Case, by: User, **risks: bool) -> None:
    """The Veilig Thuis assessment with only `risks` answered yes: decided, which completes
    the step."""
    instrument = instrument_get("veilig-thuis")
    answers: dict[str, bool | int] = {
        question.id: (False if question.type == "yes_no" else 0)
        for question in instrument.questions.values()
    }
    answers.update(risks)
    assessment_decide(case_id=case.pk, instrument_slug="veilig-thuis", answers=answers, by=by)


class Command(BaseCommand):
    help = (
        "Development only: demo staff (two operators, a teamleider, a gedragswetenschapper, "
        "a vertrouwensarts) and cases in several "
        "states. Safe to run again: existing demo data is kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is refused in production.")
        for username, role, team in DEMO_STAFF:
            if not User.objects.filter(username=username).exists():
                staff_create(
                    username=username,
                    role=role,
                    team_name=team,
                    password=DEMO_PASSWORD,
                    by="load_demo_data",
                )
        if not Case.objects.exists():
            self._demo_cases()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, team in DEMO_STAFF:
            self.stdout.write(f"  {username:<8} {role:<20} {team}")
        self.stdout.write(
            "Second step: the current 6-digit code for a user comes from\n"
            "  .venv/bin/python manage.py totp_code anouk"
        )
        self.stdout.write(f"Demo cases: {Case.objects.count()} (see /cases/ after logging in).")

    def _demo_cases(self) -> None:
        # Each step is a case action with its own durable transaction: not nested here.
        anouk, bram, daan = (User.objects.get(username=n) for n in ("anouk", "bram", "daan"))
        child = {
            "role": PersonRole.VICTIM,
            "is_child": True,
            "name": "Noor Jansen",
            "date_of_birth": datetime.date(2017, 5, 12),
        }
        parent = {
            "role": PersonRole.SUSPECTED_PERPETRATOR,
            "is_child": False,
            "name": "Peter Jansen",
        }

        # Anonymous advice to a victim, still open.
        _case(
            anouk,
            case_type=CaseType.ADVICE,
            contact={
                "channel": "phone",
                "role": ContactRole.VICTIM,
                "anonymous": True,
                "never_call_back": True,
                "safety_check": {
                    "safe_to_talk": "yes",
                    "other_person_nearby": "no",
                    "children_present": "no",
                },
            },
            account="Belt over een veiligheidsplan; wil niet teruggebeld worden.",
            forms=["partner_violence"],
            people=[],
            postcode="2512 CD",
            number="3",
        )
        # An acute report from a neighbour.
        acute = _case(
            anouk,
            contact={
                "channel": "phone",
                "role": ContactRole.BYSTANDER,
                "name": "Buurman De Groot",
                "phone": "0701234500",
            },
            account="Hoort nu geschreeuw en een kind dat huilt.",
            forms=["physical_abuse", "witnessing"],
            people=[child, parent],
            postcode="2513 EF",
            number="41",
        )
        case_flag_acute(case_id=acute.pk, by=anouk, reason="Buurman hoort nu geweld.")
        # A teacher's report in the safety assessment, overdue.
        overdue = _case(
            bram,
            contact={
                "channel": "online",
                "role": ContactRole.PROFESSIONAL,
                "name": "Juf Ineke",
                "email": "ineke@school.example",
                "organisation": "Basisschool De Linde",
                "profession": "education",
            },
            account="Leerling komt met blauwe plekken op school.",
            forms=["physical_abuse"],
            people=[
                {
                    "role": PersonRole.VICTIM,
                    "is_child": True,
                    "name": "Sem Bakker",
                    "date_of_birth": datetime.date(2015, 1, 9),
                }
            ],
            postcode="2533 GH",
            number="7",
        )
        case_transition(case_id=overdue.pk, name="start_assessment", by=bram, expected_version=None)
        reported = timezone.now() - datetime.timedelta(days=12)
        Case.objects.filter(pk=overdue.pk).update(
            reported_at=reported,
            assessment_due=working_days.assessment_due(timezone.localdate(reported)),
        )
        # Assessed, waiting for a decision.
        waiting = _case(
            anouk,
            contact=_victim("Fatima El Amrani", "0612340001"),
            account="Partner dreigt; twee kinderen in huis.",
            forms=["partner_violence", "witnessing"],
            people=[child, parent],
            postcode="2515 KL",
            number="112",
        )
        case_transition(
            case_id=waiting.pk, name="start_assessment", by=anouk, expected_version=None
        )
        _assess(waiting, anouk)
        # Handed over to the CJG, in monitoring.
        handed = _case(
            anouk,
            contact=_victim("Lisa Vermeulen", "0612340002"),
            account="Aanhoudende ruzies; ouders willen hulp.",
            forms=["emotional_abuse"],
            people=[child],
            postcode="2516 MN",
            number="9",
        )
        case_transition(case_id=handed.pk, name="start_assessment", by=anouk, expected_version=None)
        _assess(handed, anouk)
        proposal = decision_propose(
            case_id=handed.pk,
            decision=Decision.HANDOVER_LOCAL,
            reason="Ouders accepteren hulp van het CJG; veiligheidsvoorwaarden gesteld.",
            by=anouk,
        )
        decision_approve(proposal_id=proposal.pk, by=daan)
        # Strangulation with children at home, proposed as advice: the gedragswetenschapper
        # sees the warning and may approve only with a written reason.
        strangled = _case(
            bram,
            contact=_victim("Sanne de Vries", "0612340003"),
            account="Partner heeft haar gisteren bij de keel gegrepen; kinderen waren thuis.",
            forms=["partner_violence", "witnessing"],
            people=[child, parent],
            postcode="2517 RS",
            number="5",
        )
        case_transition(
            case_id=strangled.pk, name="start_assessment", by=bram, expected_version=None
        )
        _assess(strangled, bram, a_strangulation=True, a_perpetrator_access=True)
        decision_propose(
            case_id=strangled.pk,
            decision=Decision.ADVICE_CLOSE,
            reason="Slachtoffer wil geen hulp en verblijft nu bij haar zus.",
            by=bram,
        )
        case_accept_handover(case_id=handed.pk, by=anouk)
        # A request to the Raad: referred to the Jeugdbeschermingstafel, parents told,
        # waiting for the table with its deadline.
        council = _case(
            bram,
            contact=_victim("Mirjam de Boer", "0612340003"),
            account="Ouders weigeren hulp; zoon van 13 verzuimt school en heeft letsel.",
            forms=["physical_neglect", "emotional_abuse"],
            people=[
                {
                    "role": PersonRole.VICTIM,
                    "is_child": True,
                    "name": "Daan de Boer",
                    "date_of_birth": datetime.date(2013, 2, 3),
                },
                parent,
            ],
            postcode="2517 RS",
            number="5",
        )
        case_transition(case_id=council.pk, name="start_assessment", by=bram, expected_version=None)
        _assess(council, bram)
        proposal = decision_propose(
            case_id=council.pk,
            decision=Decision.COUNCIL_REQUEST,
            reason="Hulp wordt geweigerd; een kinderbeschermingsmaatregel moet worden overwogen.",
            by=bram,
        )
        decision_approve(proposal_id=proposal.pk, by=daan)
        table = handover_create(
            case_id=council.pk,
            organisation_slug="jeugdbeschermingstafel-den-haag",
            answers={"measure_to_consider": True, "lives_in_den_haag": True},
            safety_conditions=["Daan gaat elke dag naar school", "Ouders werken mee aan hulp"],
            facts_for_receiver="Zoon van 13; ouders weigeren hulp van het CJG.",
            by=bram,
        )
        table_referral_prepare(
            referral_id=table.table_referral.pk,
            by=bram,
            meeting_planned_on=None,
            parents_informed_on=timezone.localdate(),
            parents_informing_postponed_reason="",
        )
        # Closed advice.
        closed = _case(
            bram,
            case_type=CaseType.ADVICE,
            contact={"channel": "phone", "role": ContactRole.BYSTANDER, "anonymous": True},
            account="Vraagt wat te doen bij zorgen om de buurvrouw.",
            forms=["elder_abuse"],
            people=[],
            postcode="2518 PQ",
            number="20",
        )
        case_close(case_id=closed.pk, by=bram, reason="Advies gegeven: praat met de buurvrouw.")
        self._demo_huisverbod(anouk)

    def _demo_huisverbod(self, by: User) -> None:
        """A running tijdelijk huisverbod, imposed three nights ago: the contact with the
        removed father done, the contact with the mother and child and the advice open."""
        case = _case(
            by,
            contact={
                "channel": "phone",
                "role": ContactRole.PROFESSIONAL,
                "name": "Brigadier Van Dijk",
                "phone": "0701234599",
                "organisation": "Politie Eenheid Den Haag",
                "profession": "police_justice",
            },
            account="Politie-inzet na mishandeling; de burgemeester legde een huisverbod op.",
            forms=["partner_violence", "witnessing"],
            people=[
                {"role": PersonRole.VICTIM, "is_child": False, "name": "Yasmina Ouali"},
                {
                    "role": PersonRole.VICTIM,
                    "is_child": True,
                    "name": "Adam Ouali",
                    "date_of_birth": datetime.date(2019, 8, 3),
                },
                {
                    "role": PersonRole.SUSPECTED_PERPETRATOR,
                    "is_child": False,
                    "name": "Karim Ouali",
                },
            ],
            postcode="2525 RS",
            number="88",
        )
        people = {person.name: person.pk for person in case.people.all()}
        imposed_at = timezone.localtime() - datetime.timedelta(days=3)
        order = huisverbod_record(
            case_id=case.pk,
            by=by,
            imposed_at=imposed_at.replace(hour=22, minute=15, second=0, microsecond=0),
            removed_person_id=people["Karim Ouali"],
            removed_person_description="",
            people_at_home_ids=[people["Yasmina Ouali"], people["Adam Ouali"]],
        )
        huisverbod_task_done(
            case_id=case.pk,
            task_id=order.tasks.get(kind=TaskKind.CONTACT_REMOVED).pk,
            by=by,
            note="Gebeld; verblijft bij zijn broer en wil meewerken aan hulp.",
        )
