"""The operators' live dashboard: the page, and the state its socket starts from.

The socket (dashboard.consumers) sends a snapshot first: the outbox sequence number it is
valid from, and the queue, the operators, new online reports and acute alerts as the
database holds them. Events follow in sequence order; a page that sees a gap asks for
everything after its last sequence number (`dashboard_since`). Everything here is what a
dashboard shows and nothing more: no caller numbers, no names, no narratives.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, Max, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import ANSWER_HOTLINE
from accounts.security import permission_required
from cases.acute_clock import first_action_within
from cases.codes import CallerChoice, CaseType, Channel
from cases.models import Case, Contact
from cases.services import case_event_payload
from events.catalogue import audiences_of, kinds_for
from events.models import OutboxEvent
from events.services import events_pruned_through
from hotline.models import Call, CallState, PresenceState, WrapUpOutcome
from hotline.presence import (
    SELF_SETTABLE_STATES,
    presence_ensure,
    presence_for_region,
    presence_set,
)
from hotline.regions import region_names
from hotline.selectors import (
    acute_list,
    call_queue_for,
    call_summary,
    calls_to_wrap_up,
    operator_serves_here,
)

# A page further behind than this gets a fresh snapshot instead of the events.
MAX_EVENTS_SINCE = 500
NEW_REPORTS_HOURS = 24
NEW_REPORTS_SHOWN = 20
ACTIVE_CALL_STATES = (CallState.TAKEN, CallState.CONNECTED)


def dashboard_region(user: User) -> str:
    return user.region or settings.VT_REGION


def outbox_head() -> int:
    """The highest sequence number committed. Rows commit in seq order (events.services),
    so every event up to it is readable."""
    return OutboxEvent.objects.aggregate(head=Max("seq"))["head"] or 0


def _new_online_reports(region: str) -> list[dict[str, Any]]:
    since = timezone.now() - datetime.timedelta(hours=NEW_REPORTS_HOURS)
    # EXISTS rather than a join and DISTINCT: DISTINCT would compare every column of the
    # case, its encrypted blobs included; only what case_event_payload shows is read.
    online = Contact.objects.filter(case=OuterRef("pk"), channel=Channel.ONLINE)
    cases = (
        Case.objects.filter(Exists(online), region=region, reported_at__gte=since)
        .only(
            "pk",
            "reference",
            "state",
            "case_type",
            "acute",
            "assessment_due",
            "team_id",
            "reported_at",
        )
        .order_by("-reported_at", "-pk")[:NEW_REPORTS_SHOWN]
    )
    return [
        {
            **case_event_payload(case),
            "channel": Channel.ONLINE,
            "reported_at": case.reported_at.isoformat(),
        }
        for case in cases
    ]


def dashboard_snapshot(*, user: User) -> dict[str, Any]:
    """The state a dashboard starts from, valid from sequence number `seq`.

    The head is read *before* the state: whatever the state reads is at least that new,
    and events after `seq` that it already contains are applied again harmlessly (the
    page applies each event as "this entity now looks like this").
    """
    region = dashboard_region(user)
    seq = outbox_head()
    # Every call this deployment serves, the callers of a region without a number of its
    # own included (their Call.region is theirs, not ours): the same rule as taking them.
    calls = [call_summary(call) for call in call_queue_for(user)]
    active = Call.objects.filter(state__in=ACTIVE_CALL_STATES).select_related("operator")
    if not operator_serves_here(user):
        active = active.none()
    calls += [call_summary(call) for call in active.order_by("taken_at", "pk")]
    return {
        "type": "snapshot",
        "seq": seq,
        "now": timezone.now().isoformat(),
        "region": region,
        "calls": calls,
        "operators": presence_for_region(region=region),
        "reports": _new_online_reports(region),
        # The acute list: acute cases without their first safety action and acute calls
        # without a case, with their hour clocks (hotline.selectors.acute_list).
        "alerts": acute_list(region=region),
        # The user's own answered calls with neither an intake nor an outcome yet.
        "wrap_up": [call_summary(call) for call in calls_to_wrap_up(operator=user)],
    }


def dashboard_since(*, user: User, seq: int) -> dict[str, Any]:
    """Every event of the user's region for them after `seq`, in order; a snapshot when too far
    behind, or when `seq` is ahead of the database (it was restored, or reset)."""
    head = outbox_head()
    if seq > head:
        return dashboard_snapshot(user=user)
    if seq < events_pruned_through():
        # Some of what came after `seq` was pruned (events.services.events_prune).
        return dashboard_snapshot(user=user)
    # Only the kinds whose audience the user is in (events.catalogue), as on the socket.
    events = OutboxEvent.objects.filter(
        region=dashboard_region(user),
        kind__in=kinds_for(audiences_of(user)),
        seq__gt=seq,
        seq__lte=head,
    ).order_by("seq")
    batch = list(events[: MAX_EVENTS_SINCE + 1])
    if len(batch) > MAX_EVENTS_SINCE:
        return dashboard_snapshot(user=user)
    return {
        "type": "events",
        "since": seq,
        # The page's new last sequence number: other regions' events fill the holes.
        "upto": head,
        "events": [{"type": "event", **event.as_message()} for event in batch],
    }


# --- the page ----------------------------------------------------------------------


def _url_pattern(name: str) -> str:
    """A URL with 0 where the id goes; the page puts in the real one."""
    try:
        return reverse(name, args=[0])
    except NoReverseMatch:
        return ""


def _outage_strings() -> dict[str, str]:
    """The banner for an outage of the server's database or channel layer. What it says
    the phone line does is what hotline.twiml.backup() (the fallback URL) does."""
    if settings.HOTLINE_BACKUP_NUMBER:
        fallback = _(
            "De telefoonlijn antwoordt met de noodtekst: nieuwe bellers horen dat er een "
            "storing is en dat ze bij direct gevaar 112 moeten bellen, en worden doorverbonden "
            "met het reservenummer."
        )
    else:
        fallback = _(
            "De telefoonlijn antwoordt met de noodtekst: nieuwe bellers horen dat er een "
            "storing is, dat ze bij direct gevaar 112 moeten bellen en het over een paar "
            "minuten opnieuw moeten proberen. Er is geen reservenummer ingesteld."
        )
    return {
        "indicator": _("Storing"),
        "server": _("Storing: de server antwoordt niet."),
        "database": _(
            "Storing: de server kan de database niet bereiken. Gesprekken aannemen en "
            "gegevens opslaan lukt nu niet; dit scherm kan verouderd zijn."
        ),
        "channel_layer": _(
            "Storing: de server kan de berichtenserver niet bereiken. Dit scherm krijgt "
            "geen live-updates."
        ),
        "fallback": fallback,
        "queue_works": _(
            "De telefoonlijn werkt gewoon: bellers komen in de wachtrij, en met "
            '"Neem volgende" neem je het volgende gesprek aan.'
        ),
        "over": _("De storing is voorbij; het scherm is weer bijgewerkt."),
    }


def _strings() -> dict[str, Any]:
    """Everything the script shows, translated here: the script itself holds no text."""
    return {
        "roles": {value: str(label) for value, label in CallerChoice.choices},
        "presence": {value: str(label) for value, label in PresenceState.choices},
        "call_states": {value: str(label) for value, label in CallState.choices},
        "case_types": {value: str(label) for value, label in CaseType.choices},
        "regions": region_names(),
        "time_zone": settings.TIME_ZONE,
        "take": _("Neem aan"),
        # Starts with the button's own words ("Neem aan"), as a screen reader user hears them.
        "take_label": _("Neem aan: nummer %(place)s in de wachtrij, %(role)s"),
        "place": _("%(place)s."),
        "place_label": _("Nummer %(place)s in de wachtrij"),
        # The service-level norm: a wait past it is highlighted in the queue.
        "wait_norm_seconds": settings.SERVICE_LEVEL_SECONDS,
        "past_norm": _("langer dan de norm"),
        "call": _("Gesprek %(id)s"),
        "acute": _("Acuut"),
        "priority": _("prioriteit %(n)s"),
        "waiting": _("wacht %(time)s"),
        "queue_empty": _("Er wacht op dit moment niemand."),
        "in_hand_empty": _("Je hebt nu geen gesprek."),
        "reports_empty": _("Geen nieuwe online meldingen."),
        "alerts_empty": _("Geen acute meldingen."),
        "acute_hours": settings.ACUTE_FIRST_ACTION_HOURS,
        "acute_within": first_action_within(),
        "acute_left": _("%(within)s: nog %(time)s"),
        "acute_late": _("%(within)s: %(time)s te laat"),
        "minutes": _("%(n)s min"),
        "hours_minutes": _("%(h)s uur %(m)s min"),
        "acute_call": _("Acuut gesprek %(id)s"),
        "acute_call_record": _("Vastleggen wat er is gedaan"),
        "acute_call_in_progress": _("nog niet aangenomen of in gesprek"),
        "record_actions": _("Veiligheidsacties vastleggen"),
        "operators_empty": _("Nog niemand aangemeld."),
        "you": _("jij"),
        "new_call": _("Nieuw gesprek in de wachtrij: %(role)s"),
        "new_acute_call": _("Acuut gesprek in de wachtrij: %(role)s"),
        "new_alert": _("Acuut: dossier %(reference)s"),
        "new_report": _("Nieuwe online melding: %(reference)s"),
        "taken": _("Je hebt gesprek %(id)s aangenomen."),
        "taken_elsewhere": _("Dit gesprek is al aangenomen door een collega of wacht niet meer."),
        "failed": _("Dat lukte niet. Probeer het opnieuw."),
        "live": _("Live"),
        "offline": _("Verbinding verbroken; opnieuw verbinden…"),
        "connecting": _("Verbinden…"),
        "presence_saved": _("Je status is nu: %(state)s"),
        "open_case": _("Dossier openen"),
        "assessment": _("Veiligheidsbeoordeling"),
        "start_intake": _("Intake starten"),
        "case_reference": _("Dossier %(reference)s"),
        "wrap_up_intake": _("Intake"),
        "wrap_up_button": _("Afronden zonder intake"),
        "wrap_up_choose": _("Afrondcode"),
        "wrap_up_label": _("Gesprek %(id)s, beëindigd %(time)s"),
        "wrap_up_saved": _("Gesprek %(id)s is afgerond: %(outcome)s"),
        "outcomes": {value: str(label) for value, label in WrapUpOutcome.choices},
        "report_added": _("Nieuwe melding in jouw dossier %(reference)s"),
        "outage": _outage_strings(),
        "softphone": {
            "connecting": _("Telefoon: verbinden…"),
            "registered": _("Telefoon: klaar voor gesprekken"),
            "ringing": _("Telefoon: gaat over"),
            "in_call": _("Telefoon: in gesprek"),
            "ended": _("Telefoon: gesprek beëindigd"),
            "offline": _("Telefoon: offline"),
            "simulated": _("Telefoon: gesimuleerd (geen Twilio-account ingesteld)"),
            "answer": _("Opnemen"),
            "hang_up": _("Ophangen"),
            "microphone_denied": _(
                "De browser geeft de microfoon niet vrij. Sta de microfoon toe voor deze "
                "pagina en neem het gesprek opnieuw aan."
            ),
            "microphone_missing": _(
                "Er is geen microfoon gevonden of hij is in gebruik. Sluit een headset aan en "
                "neem het gesprek opnieuw aan."
            ),
            "unsupported": _(
                "Deze browser kan niet bellen. Gebruik een recente Chrome of Firefox."
            ),
            "token_failed": _("De telefoon kon zich niet aanmelden. Herlaad de pagina."),
            "failed": _("De telefoon gaf een fout (code %(code)s)."),
        },
    }


@never_cache
@require_GET
@permission_required(ANSWER_HOTLINE)
def dashboard(request: HttpRequest) -> HttpResponse:
    presence = presence_ensure(user=cast(User, request.user))  # logged in: permission_required
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "strings": _strings(),
            "wait_norm_seconds": settings.SERVICE_LEVEL_SECONDS,
            "presence": presence,
            "presence_choices": [
                (value, label)
                for value, label in PresenceState.choices
                if value in SELF_SETTABLE_STATES
            ],
            "take_url": _url_pattern("hotline:take_call"),
            "case_url": _url_pattern("cases:case_detail"),
            "intake_url": reverse("cases:intake_new"),
            "call_intake_url": _url_pattern("hotline:call_intake"),
            "wrap_up_url": _url_pattern("hotline:call_wrap_up"),
            "token_url": reverse("hotline:token"),
            "assessment_url": _url_pattern("safety_assessment:case_assessment"),
            "acute_call_url": _url_pattern("hotline:call_acute"),
        },
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@never_cache
@require_POST
@permission_required(ANSWER_HOTLINE)
def presence_update(request: HttpRequest) -> HttpResponse:
    state = request.POST.get("state", "")
    try:
        presence = presence_set(user=cast(User, request.user), state=state)  # permission_required
    except ValueError:
        error = _("Kies beschikbaar, nazorg of afwezig.")
        if _wants_json(request):
            return JsonResponse({"error": error}, status=400)
        messages.error(request, error)
        return redirect("dashboard:dashboard")
    if _wants_json(request):
        return JsonResponse({"state": presence.state, "label": presence.get_state_display()})
    return redirect("dashboard:dashboard")


@never_cache
@require_POST
@permission_required(ANSWER_HOTLINE)
def heartbeat(request: HttpRequest) -> HttpResponse:
    """The page calls this while the operator is active (keyboard or mouse in the last
    minute), so watching the dashboard and working it does not end the session; a
    dashboard left alone still times out like every other page."""
    return HttpResponse(status=204)
