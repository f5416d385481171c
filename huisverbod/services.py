"""Every write of a tijdelijk huisverbod: recording the order, the extension, the advice on
extension and the tasks done. Each is one case action (cases.services.case_huisverbod_step):
one durable transaction, one access-log row on the case ("huisverbod:<what>") and one
case.changed event without content. Input the action cannot take is refused before it
starts, with a message for the form field it belongs to."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import WORK_CASES
from cases.models import Case, Person
from cases.services import case_huisverbod_step
from huisverbod import terms
from huisverbod.models import ExtensionAdvice, Huisverbod, HuisverbodTask, TaskKind


class HuisverbodError(ValueError):
    """A step that cannot be taken; the message is fit for the person asking, and `field`
    names the form field it belongs to (empty: the form as a whole)."""

    def __init__(self, message: str, *, field: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def _may_work_cases(by: User) -> None:
    if not by.has_perm(WORK_CASES):
        raise HuisverbodError(_("Het huisverbod vastleggen hoort niet bij jouw rol."), status=403)


def huisverbod_record(
    *,
    case_id: int,
    by: User,
    imposed_at: datetime.datetime,
    removed_person_id: int | None,
    removed_person_description: str,
    people_at_home_ids: Iterable[int],
) -> Huisverbod:
    """Record the mayor's order on the case: day 10, day 28 and the three tasks follow
    from the terms (huisverbod.terms)."""
    _may_work_cases(by)
    if imposed_at > timezone.now():
        raise HuisverbodError(
            _("Een huisverbod kan niet in de toekomst zijn opgelegd."), field="imposed_on"
        )
    if timezone.localdate(imposed_at) < terms.WTH_IN_FORCE:
        raise HuisverbodError(
            _("De Wet tijdelijk huisverbod geldt sinds 1 januari 2009; controleer de datum."),
            field="imposed_on",
        )
    description = removed_person_description.strip()
    people = Person.objects.filter(case_id=case_id)
    removed: Person | None = None
    if removed_person_id is not None:
        removed = people.filter(pk=removed_person_id).first()
        if removed is None:
            raise HuisverbodError(_("Kies een betrokkene van dit dossier."), field="removed_person")
        if description:
            raise HuisverbodError(
                _("Kies een betrokkene of geef een omschrijving, niet allebei."),
                field="removed_person_description",
            )
    elif not description:
        raise HuisverbodError(
            _("Zeg wie uit huis is geplaatst: kies een betrokkene of geef een omschrijving."),
            field="removed_person",
        )
    at_home_ids = set(people_at_home_ids)
    at_home = list(people.filter(pk__in=at_home_ids))
    if len(at_home) != len(at_home_ids):
        raise HuisverbodError(_("Kies betrokkenen van dit dossier."), field="people_at_home")
    if not at_home:
        raise HuisverbodError(_("Kies ten minste één achterblijver."), field="people_at_home")
    if removed is not None and removed in at_home:
        raise HuisverbodError(
            _("De uithuisgeplaatste kan niet ook achterblijver zijn."), field="people_at_home"
        )
    imposed_on = timezone.localdate(imposed_at)
    made: list[Huisverbod] = []

    def record(case: Case) -> str:
        order = Huisverbod.objects.create(
            case=case,
            imposed_at=imposed_at,
            removed_person=removed,
            removed_person_description="" if removed is not None else description,
            ends_on=terms.order_ends_on(imposed_on),
            latest_extension_on=terms.extension_latest_end(imposed_on),
            recorded_by=by,
        )
        order.people_at_home.set(at_home)
        contact_due = terms.contact_due_on(imposed_on)
        HuisverbodTask.objects.bulk_create(
            [
                HuisverbodTask(huisverbod=order, kind=TaskKind.CONTACT_REMOVED, due_on=contact_due),
                HuisverbodTask(huisverbod=order, kind=TaskKind.CONTACT_AT_HOME, due_on=contact_due),
                HuisverbodTask(
                    huisverbod=order,
                    kind=TaskKind.EXTENSION_ADVICE,
                    due_on=terms.advice_due_on(imposed_on),
                ),
            ]
        )
        made.append(order)
        return f"recorded {order.pk}"

    case_huisverbod_step(case_id=case_id, by=by, record=record)
    return made[0]


def _order_of_case(huisverbod_id: int, case_id: int) -> Huisverbod:
    order = Huisverbod.objects.filter(pk=huisverbod_id, case_id=case_id).first()
    if order is None:
        raise HuisverbodError(_("Dit huisverbod bestaat niet."), status=404)
    return order


def huisverbod_extend(
    *, case_id: int, huisverbod_id: int, by: User, extended_until: datetime.date
) -> Huisverbod:
    """The mayor extended the order: to a day after day 10, at most day 28 (Wth art. 9)."""
    _may_work_cases(by)
    order = _order_of_case(huisverbod_id, case_id)
    if extended_until <= order.ends_on:
        raise HuisverbodError(
            _("Een verlenging loopt verder dan dag 10 (%(date)s).")
            % {"date": order.ends_on.strftime("%d-%m-%Y")},
            field="extended_until",
        )
    if extended_until > order.latest_extension_on:
        raise HuisverbodError(
            _(
                "Verlengen kan tot ten hoogste vier weken na het opleggen: uiterlijk "
                "%(date)s (dag 28)."
            )
            % {"date": order.latest_extension_on.strftime("%d-%m-%Y")},
            field="extended_until",
        )

    def record(case: Case) -> str:
        locked = Huisverbod.objects.select_for_update().get(pk=order.pk)
        locked.extended_until = extended_until
        locked.extended_at = timezone.now()
        locked.extended_by = by
        locked.save(update_fields=["extended_until", "extended_at", "extended_by"])
        return f"extended {locked.pk}"

    case_huisverbod_step(case_id=case_id, by=by, record=record)
    order.refresh_from_db()
    return order


def huisverbod_advice_give(
    *, case_id: int, huisverbod_id: int, by: User, advice: str, text: str
) -> Huisverbod:
    """Veilig Thuis's advice to the mayor on extension; it completes the advice task."""
    _may_work_cases(by)
    order = _order_of_case(huisverbod_id, case_id)
    if advice not in ExtensionAdvice.values:
        raise HuisverbodError(_("Kies het advies."), field="advice")
    if not text.strip():
        raise HuisverbodError(_("Onderbouw het advies."), field="advice_text")
    if order.advice:
        raise HuisverbodError(_("Het advies is al gegeven."), status=409)

    def record(case: Case) -> str:
        now = timezone.now()
        locked = Huisverbod.objects.select_for_update().get(pk=order.pk)
        if locked.advice:
            raise HuisverbodError(_("Het advies is al gegeven."), status=409)
        locked.advice = advice
        locked.advice_text = text.strip()
        locked.advice_given_at = now
        locked.advice_given_by = by
        locked.save(update_fields=["advice", "advice_text", "advice_given_at", "advice_given_by"])
        locked.tasks.filter(kind=TaskKind.EXTENSION_ADVICE, done_at__isnull=True).update(
            done_at=now, done_by=by
        )
        return f"advice {locked.pk} {advice}"

    case_huisverbod_step(case_id=case_id, by=by, record=record)
    order.refresh_from_db()
    return order


def huisverbod_task_done(*, case_id: int, task_id: int, by: User, note: str) -> HuisverbodTask:
    """A contact task done, with what was agreed (encrypted). The advice task is done by
    giving the advice (huisverbod_advice_give), which records what was advised."""
    _may_work_cases(by)
    task = HuisverbodTask.objects.filter(pk=task_id, huisverbod__case_id=case_id).first()
    if task is None:
        raise HuisverbodError(_("Deze taak bestaat niet."), status=404)
    if task.kind == TaskKind.EXTENSION_ADVICE:
        raise HuisverbodError(
            _("Het advies over verlenging vink je af door het advies vast te leggen.")
        )
    if not note.strip():
        raise HuisverbodError(_("Schrijf kort op wat het contact opleverde."), field="note")

    def record(case: Case) -> str:
        locked = HuisverbodTask.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            raise HuisverbodError(_("Deze taak is al afgevinkt."), status=409)
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.note = note.strip()
        locked.save(update_fields=["done_at", "done_by", "note"])
        return f"task {locked.pk} {locked.kind}"

    case_huisverbod_step(case_id=case_id, by=by, record=record)
    task.refresh_from_db()
    return task
