"""Online reports by professionals: the steps, server-side drafts, rate limits and submit.

The browser keeps nothing but its session cookie. The session holds a random draft token;
the database holds the token's hash and the answers, encrypted, for a limited time. On
submit one transaction creates the case and its contact, the outbox event that puts the
report on the operators' dashboards, and the confirmation mail (reference only).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from accounts.security import client_ip
from cases.codes import CaseType, Channel, ContactRole
from cases.models import Case
from cases.services import IntakeData, intake_register
from melden.forms import (
    MAX_PEOPLE,
    AnonymityStep,
    BasePeopleFormSet,
    ClientStep,
    MeldcodeStepForm,
    OnlinePersonForm,
    PeopleFormSet,
    ReportAnywayForm,
    ReporterStep,
    ReviewStep,
    SituationStep,
    StepForm,
)
from melden.models import OnlineReportDraft
from observability.logs import ip_fingerprint
from outgoing_mail import sending as outbox
from outgoing_mail.models import OutgoingEmail

logger = logging.getLogger(__name__)
security_log = logging.getLogger("veiligthuis.security")

SESSION_KEY = "online_report_draft"
SUBMITTED_KEY = "online_report_submitted"
PEOPLE_PREFIX = "people"


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    title: Any
    form: type[StepForm]


STEPS = [
    Step(1, "reporter", gettext_lazy("Over u"), ReporterStep),
    Step(2, "meldcode", gettext_lazy("Meldcode en afwegingskader"), MeldcodeStepForm),
    Step(3, "client", gettext_lazy("Is de cliënt ingelicht?"), ClientStep),
    Step(4, "situation", gettext_lazy("Betrokkenen en situatie"), SituationStep),
    Step(5, "anonymity", gettext_lazy("Anonimiteit tegenover het gezin"), AnonymityStep),
    Step(6, "review", gettext_lazy("Controleren en versturen"), ReviewStep),
]
STEP_COUNT = len(STEPS)
REVIEW_STEP = STEP_COUNT
PEOPLE_STEP = 4


def step(number: int) -> Step:
    return STEPS[number - 1]


class IncompleteReport(Exception):
    """A step's stored answers no longer pass validation; the user must fix that step."""

    def __init__(self, step_number: int) -> None:
        super().__init__(step_number)
        self.step_number = step_number


# --- raw answers ------------------------------------------------------------------------------


def raw_answers(form: forms.Form | forms.BaseFormSet, post: Any) -> dict[str, Any]:
    """The posted values of the form's own fields only (never the honeypot), as the draft
    keeps them: lists for fields that take several values."""
    if isinstance(form, forms.BaseFormSet):
        collected = raw_answers(form.management_form, post)
        for sub in form.forms:
            collected.update(raw_answers(sub, post))
        return collected
    raw: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == "website":
            continue
        key = form.add_prefix(name)
        if isinstance(field, forms.MultipleChoiceField):
            raw[key] = [str(v) for v in post.getlist(key)]
        elif key in post:
            raw[key] = str(post.get(key))
    return raw


def people_formset(data: dict[str, Any] | None) -> forms.BaseFormSet:
    return PeopleFormSet(data, prefix=PEOPLE_PREFIX)


ADD_PERSON = "add_person"


def step_with_one_more_person(number: int, post: Any) -> list[forms.Form | forms.BaseFormSet]:
    """ "Persoon toevoegen" without script: the step again with what was typed, as initial
    values (no errors yet: the professional is not done), and one empty person more."""
    step_form = step(number).form(None)
    step_form.initial = {
        name: post.getlist(name) if isinstance(field, forms.MultipleChoiceField) else post.get(name)
        for name, field in step_form.fields.items()
        if name != "website" and name in post
    }
    fields = list(OnlinePersonForm.base_fields)
    try:
        posted = int(post.get(f"{PEOPLE_PREFIX}-TOTAL_FORMS", 1))
    except (TypeError, ValueError):
        posted = 1
    people = [
        {name: post.get(f"{PEOPLE_PREFIX}-{index}-{name}", "") for name in fields}
        for index in range(max(1, min(posted, MAX_PEOPLE)))
    ]
    formset_class = forms.formset_factory(
        OnlinePersonForm,
        formset=BasePeopleFormSet,
        extra=1 if len(people) < MAX_PEOPLE else 0,
        max_num=MAX_PEOPLE,
        absolute_max=MAX_PEOPLE,
        validate_max=True,
    )
    return [step_form, formset_class(initial=people, prefix=PEOPLE_PREFIX)]


# --- drafts -------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=settings.ONLINE_REPORT_DRAFT_MINUTES)


def drafts_purge_expired(now: datetime.datetime | None = None) -> int:
    deleted, _per_model = OnlineReportDraft.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def draft_for(request: HttpRequest) -> OnlineReportDraft | None:
    """This session's unexpired draft, if any. Expired drafts go on every access."""
    drafts_purge_expired()
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    return OnlineReportDraft.objects.filter(token_hash=_token_hash(token)).first()


def draft_start(request: HttpRequest) -> OnlineReportDraft:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    draft = OnlineReportDraft.objects.create(
        token_hash=_token_hash(token),
        data={},
        created_at=now,
        updated_at=now,
        expires_at=_expiry(now),
    )
    request.session.cycle_key()
    request.session[SESSION_KEY] = token
    return draft


def draft_save_step(*, draft: OnlineReportDraft, number: int, raw: dict[str, Any]) -> None:
    now = timezone.now()
    data = dict(draft.data or {})
    data[str(number)] = raw
    draft.data = data
    draft.step_reached = min(max(draft.step_reached, number + 1), STEP_COUNT)
    draft.updated_at = now
    draft.expires_at = _expiry(now)
    draft.save(update_fields=["data", "step_reached", "updated_at", "expires_at"])


def draft_set(*, draft: OnlineReportDraft, key: str, raw: dict[str, Any] | None) -> None:
    data = dict(draft.data or {})
    if raw is None:
        data.pop(key, None)
    else:
        data[key] = raw
    draft.data = data
    draft.save(update_fields=["data"])


def draft_discard(request: HttpRequest) -> None:
    token = request.session.pop(SESSION_KEY, None)
    if isinstance(token, str) and token:
        OnlineReportDraft.objects.filter(token_hash=_token_hash(token)).delete()


# --- continue later: a one-time code to the professional's own email ------------------------------

# The code's alphabet: no 0/O or 1/I to misread. 4 characters find the draft, 12 (60 bits)
# open it; written in groups of four ("ABCD-EFGH-JKLM-NPQR").
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RESUME_ID_LENGTH = 4
RESUME_SECRET_LENGTH = 12
# Wrong codes for one saved draft before it is destroyed: a guesser gets nothing.
RESUME_FAILURES_MAX = 5


class ResumeRefused(Exception):
    """The code does not open a draft: wrong, used, expired or destroyed. One message for
    all of them, so a try reveals nothing about which."""


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def resume_code_normalised(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def can_save_for_later(draft: OnlineReportDraft | None) -> bool:
    """Only with step 1 saved: the code goes to the email address the professional gave."""
    return bool(draft and (stored(draft, 1) or {}).get("email"))


def draft_save_for_later(request: HttpRequest, *, draft: OnlineReportDraft) -> str:
    """Keep the draft for ONLINE_REPORT_SAVED_DRAFT_DAYS, mail a one-time code to the
    professional's own address (through the outbox), and let this browser forget it: the
    session no longer leads to the draft. Returns the address, for the page to name."""
    email = (stored(draft, 1) or {}).get("email", "")
    resume_id = _random_code(RESUME_ID_LENGTH)
    while OnlineReportDraft.objects.filter(resume_id=resume_id).exists():
        resume_id = _random_code(RESUME_ID_LENGTH + 2)
    secret = _random_code(RESUME_SECRET_LENGTH)
    code = resume_id + secret
    now = timezone.now()
    expires = now + datetime.timedelta(days=settings.ONLINE_REPORT_SAVED_DRAFT_DAYS)
    subject = _("Uw code om uw melding later af te maken")
    body = render_to_string(
        "melden/email/resume_code.txt",
        {
            "code": "-".join(code[i : i + 4] for i in range(0, len(code), 4)),
            "expires": expires,
            "url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("melden:resume"),
        },
    )
    with transaction.atomic():
        # A new, unguessable session token: the old one (maybe seen) opens nothing.
        draft.token_hash = _token_hash(secrets.token_urlsafe(32))
        draft.resume_id = resume_id
        draft.resume_secret_hash = _secret_hash(secret)
        draft.resume_failures = 0
        draft.expires_at = expires
        draft.updated_at = now
        draft.save(
            update_fields=[
                "token_hash",
                "resume_id",
                "resume_secret_hash",
                "resume_failures",
                "expires_at",
                "updated_at",
            ]
        )
        outbox.email_queue(
            purpose=OutgoingEmail.Purpose.RESUME_CODE, recipient=email, subject=subject, body=body
        )
    request.session.pop(SESSION_KEY, None)
    security_log.info("online draft saved for later: draft=%s", draft.pk)
    return str(email)


def draft_resume(request: HttpRequest, *, code: str) -> OnlineReportDraft:
    """Open a saved draft with its one-time code and tie it to this session again. The
    code works once; a wrong one counts against the draft and is logged."""
    drafts_purge_expired()
    normalised = resume_code_normalised(code)
    if len(normalised) < RESUME_ID_LENGTH + RESUME_SECRET_LENGTH:
        security_log.warning(
            "online draft resume refused: malformed code ip=%s", client_ip(request)
        )
        raise ResumeRefused
    resume_id, secret = normalised[:-RESUME_SECRET_LENGTH], normalised[-RESUME_SECRET_LENGTH:]
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        draft = (
            OnlineReportDraft.objects.select_for_update()
            .filter(resume_id=resume_id, expires_at__gt=timezone.now())
            .first()
        )
        # The hash of the secret is compared in constant time, so a try's timing tells
        # nothing about how much of it was right.
        expected = draft.resume_secret_hash if draft is not None else "0" * 64
        opened = draft is not None and hmac.compare_digest(expected, _secret_hash(secret))
        if draft is not None and not opened:
            # Counted (or the draft ended) in this transaction, which commits: the refusal
            # is raised after it.
            draft.resume_failures += 1
            if draft.resume_failures >= RESUME_FAILURES_MAX:
                security_log.warning(
                    "online draft destroyed after %s wrong codes: draft=%s ip=%s",
                    draft.resume_failures,
                    draft.pk,
                    client_ip(request),
                )
                draft.delete()
            else:
                draft.save(update_fields=["resume_failures"])
        elif draft is not None:
            now = timezone.now()
            draft.token_hash = _token_hash(token)
            # Single use: the code opens nothing any more.
            draft.resume_id = None
            draft.resume_secret_hash = ""
            draft.resume_failures = 0
            draft.updated_at = now
            draft.expires_at = _expiry(now)
            draft.save()
    if draft is None or not opened:
        security_log.warning("online draft resume refused: wrong code ip=%s", client_ip(request))
        raise ResumeRefused
    request.session.cycle_key()
    request.session[SESSION_KEY] = token
    security_log.info("online draft resumed: draft=%s", draft.pk)
    return draft


def resume_rate_limited(request: HttpRequest) -> bool:
    return rate_limited(request, "resume")


def stored(draft: OnlineReportDraft | None, number: int) -> dict[str, Any] | None:
    if draft is None:
        return None
    value = (draft.data or {}).get(str(number))
    return value if isinstance(value, dict) else None


# --- the afwegingskader on a draft ---------------------------------------------------------------


def meldcode_outcome(draft: OnlineReportDraft) -> str | None:
    form = MeldcodeStepForm(stored(draft, 2))
    return form.outcome() if form.is_bound and form.is_valid() else None


def acute_reported(draft: OnlineReportDraft | None) -> bool:
    return bool(draft and (stored(draft, 1) or {}).get("acute") == "yes")


def needs_advice_page(draft: OnlineReportDraft) -> bool:
    """The answers say no report is needed and the professional has not chosen to report
    anyway: offer a consultation instead. Acute danger always goes through as a report."""
    if acute_reported(draft):
        return False
    if meldcode_outcome(draft) not in ("no_report", "consult"):
        return False
    anyway = ReportAnywayForm((draft.data or {}).get("report_anyway"))
    return not (anyway.is_bound and anyway.is_valid())


# --- rate limits per address ---------------------------------------------------------------------


def rate_limit_group(address: str) -> str:
    """Whom one rate-limit counter counts: an IPv4 address, or an IPv6 /64.

    One subscriber gets a whole /64 (at least) and picks any address in it, so counting
    IPv6 per address would give one sender 2^64 counters.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def rate_limited(request: HttpRequest, kind: str) -> bool:
    """Count one `kind` ("post" or "submit") for the caller's address in this hour
    (an IPv6 caller's /64: rate_limit_group).

    The address is kept in the cache only as a keyed hash. When the cache is down a report
    is let through: better one spammer too many than one report lost.
    """
    limit = {
        "post": settings.ONLINE_REPORT_POSTS_PER_HOUR,
        "submit": settings.ONLINE_REPORT_SUBMISSIONS_PER_HOUR,
        "resume": settings.ONLINE_REPORT_RESUME_ATTEMPTS_PER_HOUR,
    }[kind]
    hour = int(timezone.now().timestamp() // 3600)
    group = rate_limit_group(client_ip(request))
    address = salted_hmac("online-report-rate", group).hexdigest()
    key = f"online-report:{kind}:{address[:32]}:{hour}"
    try:
        cache.add(key, 0, timeout=3600)
        count = cache.incr(key)
    except Exception:
        logger.warning("rate limit cache unavailable; letting the request through", exc_info=True)
        return False
    if count > limit:
        security_log.warning(
            "online report rate limit: kind=%s ip=%s count=%s",
            kind,
            ip_fingerprint(client_ip(request)),
            count,
        )
        return True
    return False


def log_honeypot(request: HttpRequest, number: int) -> None:
    security_log.warning(
        "online report honeypot filled: step=%s ip=%s (nothing saved)",
        number,
        ip_fingerprint(client_ip(request)),
    )


# --- review and submit ---------------------------------------------------------------------


_AnyForm = TypeVar("_AnyForm", bound=forms.Form | forms.BaseFormSet)


def _valid(form: _AnyForm, number: int) -> _AnyForm:
    if not form.is_bound or not form.is_valid():
        raise IncompleteReport(number)
    return form


def validated_steps(draft: OnlineReportDraft) -> dict[str, Any]:
    """Every step's stored answers, validated again. IncompleteReport names the first step
    that is missing or no longer valid."""
    reporter = _valid(ReporterStep(stored(draft, 1)), 1)
    meldcode = _valid(MeldcodeStepForm(stored(draft, 2)), 2)
    if needs_advice_page(draft):
        raise IncompleteReport(2)
    client = _valid(ClientStep(stored(draft, 3)), 3)
    situation = _valid(SituationStep(stored(draft, 4)), 4)
    people = _valid(people_formset(stored(draft, 4)), 4)
    anonymity = _valid(AnonymityStep(stored(draft, 5)), 5)
    anyway = ReportAnywayForm((draft.data or {}).get("report_anyway"))
    return {
        "reporter": reporter.cleaned_data,
        "meldcode": meldcode.cleaned_data,
        "answers": meldcode.answers(),
        "outcome": meldcode.outcome(),
        "report_anyway": anyway.cleaned_data if anyway.is_bound and anyway.is_valid() else None,
        "client": client.cleaned_data,
        "situation": situation.cleaned_data,
        "people": [form.to_service_data() for form in people.forms if form.has_changed()],
        "anonymity": anonymity.cleaned_data,
    }


def intake_from(steps: dict[str, Any], *, language: str) -> IntakeData:
    reporter, client, situation = steps["reporter"], steps["client"], steps["situation"]
    anonymity = steps["anonymity"]
    towards_family = anonymity["anonymity_requested"] == "yes"
    anyway = steps["report_anyway"]
    meldcode = {
        "source": "online",
        "steps": sorted(steps["meldcode"].get("steps") or []),
        "afwegingskader": steps["answers"],
        "afwegingskader_outcome": steps["outcome"],
        "report_anyway": bool(anyway),
        "report_anyway_reason": (anyway or {}).get("report_anyway_reason", ""),
        "client_informed": client["client_informed"],
        "client_not_informed_reason": (
            client.get("client_not_informed_reason", "")
            if client["client_informed"] == "no"
            else ""
        ),
        "anonymous_towards_family": towards_family,
        "anonymity_ground": anonymity.get("anonymity_ground", "") if towards_family else "",
        "anonymity_explanation": (
            anonymity.get("anonymity_explanation", "") if towards_family else ""
        ),
        "acute_reported": reporter["acute"] == "yes",
    }
    contact = {
        "channel": Channel.ONLINE,
        "role": ContactRole.PROFESSIONAL,
        # A professional always identifies to Veilig Thuis; anonymity towards the family
        # is the separate flag in meldcode and the case's disclosure consent.
        "anonymous": False,
        "is_reporter": True,
        "name": reporter["name"],
        "phone": reporter["phone"],
        "email": reporter["email"],
        "organisation": reporter["organisation"],
        "profession": reporter["profession"],
        "language": language,
        "meldcode": meldcode,
    }
    case = {
        "case_type": CaseType.REPORT,
        "acute": False,  # set through case_flag_acute, which also alerts the supervisors
        "violence_forms": list(situation["violence_forms"]),
        "account": situation["account"],
        "address": {
            key: situation.get(key, "")
            for key in ("postcode", "house_number", "addition", "street", "city")
        },
        "reporter_consents_to_disclosure": not towards_family,
    }
    return IntakeData(contact=contact, case=case, people=steps["people"])


def confirmation_mail(reference: str) -> tuple[str, str]:
    subject = _("Ontvangstbevestiging van uw melding")
    body = render_to_string("melden/email/confirmation.txt", {"reference": reference})
    return subject, body


def online_report_submit(*, draft: OnlineReportDraft) -> Case:
    """Turn a complete draft into a case in intake, in one transaction."""
    steps = validated_steps(draft)
    intake = intake_from(steps, language=translation.get_language() or settings.LANGUAGE_CODE)
    team = None
    if settings.ONLINE_REPORTS_TEAM:
        team = Team.objects.filter(name=settings.ONLINE_REPORTS_TEAM).first()

    def also(case: Case) -> None:
        subject, body = confirmation_mail(case.reference)
        outbox.email_queue(
            purpose=OutgoingEmail.Purpose.CONFIRMATION,
            recipient=intake.contact["email"],
            subject=subject,
            body=body,
            case_id=case.pk,
        )
        draft.delete()

    # One case action: the case, its acute flag, the mail and the draft's end together.
    acute = bool(intake.contact["meldcode"]["acute_reported"])
    return intake_register(
        intake=intake,
        by=None,
        team=team,
        acute_reason="online report: acute danger reported" if acute else "",
        also=also,
    )
