"""The access gate: the one way a view reads a protected record, and the rule for lists.

Protected is everything reached through a case: the case itself, its contacts and people,
handovers, assessments and decision proposals, callbacks, calls linked to a case,
monitoring contacts, feedback letters. Views never read such a record with a bare
`Model.objects.get`; they go through this module, so none can forget the need-to-know
check, the access log or the security log.

1. One record: `protected_record(...)`, or the `@protected(...)` decorator around a view.
   The record is read from `visible`, the user's need-to-know queryset (for example
   `Case.objects.visible_to(user)`, or contacts whose case is in it). Then:

   * found: one allowed access-log row for it (or, with `logged_as`, for the record it
     belongs to, usually its case);
   * it exists but is not the user's to know: one refused row for it (again via
     `logged_as`), a line in the security log, and 403;
   * it does not exist: one refused row "no such <model>" and 404 (no security line:
     a stale link is not an attack, but the attempt is still on record).

2. Lists and exports: ONE access-log row per page view and per export, written before the
   response is built, never one row per record shown. `list_viewed(...)` writes it:
   target_type names the list (`supervision.overview`, `handover.partner_inbox`,
   `safety_assessment.approvals`...), target_id says which slice (the page number, the
   period, or the ids shown, cut to fit the column), reason says which list with which
   filters. Lists show references, states and deadlines; personal content is only on a
   record's own page, which rule 1 logs. A row per page keeps a list's cost bounded
   (tests/supervision: bounded number of queries) and the log readable.

   The one exception is a page that shows the content of each record it lists (the
   approvals queue shows every proposal's reasoning): that is a view of each record, so
   `records_viewed(...)` writes one row per record shown, as rule 1 would.

3. A page refused for a missing permission (accounts.security.permission_required) is one
   refused row with target_type "page" and the view name, plus the security-log line.
   accounts does not import privacy: `log_refusal` sends `access_refused`, and
   `page_refused` below (connected in privacy/apps.py) writes the row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from accounts.security import client_ip, log_refusal, security_log_line
from privacy.access_log import access_record, access_record_request
from privacy.models import AccessLogEntry
from privacy.strangers import stranger_line_allowed

M = TypeVar("M", bound=models.Model)

TARGET_ID_LENGTH: int = getattr(AccessLogEntry._meta.get_field("target_id"), "max_length", 64)


def _action_for(request: HttpRequest, action: str | None) -> str:
    if action is not None:
        return action
    return "view" if request.method in ("GET", "HEAD", "OPTIONS") else "change"


def protected_record(
    request: HttpRequest,
    *,
    visible: models.QuerySet[M],
    pk: int | str,
    action: str | None = "view",
    reason: str = "",
    refused_reason: str = "not need-to-know",
    refused_log_reason: str = "case outside need-to-know",
    missing_reason: str | None = None,
    logged_as: Callable[[M], models.Model] | None = None,
    hide_existence: bool = False,
) -> M:
    """The record `pk` if `visible` holds it, with the access logged; otherwise a logged
    refusal: 403 when it exists outside need-to-know, 404 when it does not exist.

    `action` None means "view" for GET and "change" otherwise. `logged_as` maps the record
    to the one the log is about (a contact to its case). `hide_existence` answers 404 for
    a record outside need-to-know too, for users outside the organisation (partners) who
    must not learn that an id exists; the refusal is logged exactly as with 403.
    """
    action = _action_for(request, action)
    record = visible.filter(pk=pk).first()
    if record is not None:
        target = logged_as(record) if logged_as is not None else record
        access_record_request(request, action=action, target=target, reason=reason)
        return record
    model = visible.model
    existing = model._default_manager.filter(pk=pk).first()
    if existing is None:
        access_record_request(
            request,
            action=action,
            target_type=model._meta.label_lower,
            target_id=pk,
            allowed=False,
            reason=missing_reason or f"no such {model._meta.model_name}",
        )
        raise Http404
    refused = logged_as(existing) if logged_as is not None else existing
    access_record_request(
        request, action=action, target=refused, allowed=False, reason=refused_reason
    )
    log_refusal(request, reason=refused_log_reason, page_row=False)
    if hide_existence:
        raise Http404
    raise PermissionDenied


def protected(
    visible: Callable[[HttpRequest], models.QuerySet[Any]],
    *,
    kwarg: str,
    action: str | None = "view",
    refused_reason: str = "not need-to-know",
    refused_log_reason: str = "case outside need-to-know",
    logged_as: Callable[[Any], models.Model] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """`protected_record` as a decorator: the URL argument `kwarg` (an id) is replaced by
    the record, passed to the view as its second positional argument."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if kwarg in kwargs:
                pk = kwargs.pop(kwarg)
            else:
                pk, *rest = args
                args = tuple(rest)
            record = protected_record(
                request,
                visible=visible(request),
                pk=pk,
                action=action,
                refused_reason=refused_reason,
                refused_log_reason=refused_log_reason,
                logged_as=logged_as,
            )
            return view(request, record, *args, **kwargs)

        return wrapped

    return decorator


def _ids_that_fit(records: Iterable[models.Model]) -> str:
    ids = [str(record.pk) for record in records]
    shown = ""
    for count, pk in enumerate(ids):
        candidate = f"{shown},{pk}" if shown else pk
        rest = len(ids) - count - 1
        suffix = f",+{rest}" if rest else ""
        if len(candidate) + len(suffix) > TARGET_ID_LENGTH:
            return f"{shown},+{len(ids) - count}" if shown else f"+{len(ids)}"
        shown = candidate
    return shown or "-"


def list_viewed(
    request: HttpRequest,
    *,
    list_name: str,
    reason: str,
    records: Iterable[models.Model] | None = None,
    target_id: str | int | None = None,
    action: str = "view",
) -> AccessLogEntry:
    """The one access-log row for a list page or an export (rule 2 above): `target_id`
    when given (page, period), otherwise the ids of `records` as far as they fit."""
    if target_id is None:
        target_id = _ids_that_fit(records or [])
    return access_record_request(
        request,
        action=action,
        target_type=list_name,
        target_id=str(target_id)[:TARGET_ID_LENGTH],
        reason=reason[:200],
    )


def records_viewed(
    request: HttpRequest,
    *,
    records: Iterable[models.Model],
    reason: str,
    action: str = "view",
) -> None:
    """One row per record for a page that shows each record's content (rule 2's exception)."""
    for record in records:
        access_record_request(request, action=action, target=record, reason=reason)


def refusal_record(
    *,
    actor: Any,
    target_type: str,
    target_id: str | int,
    reason: str,
    ip: str,
    view: str,
    method: str = "",
    action: str = "view",
) -> AccessLogEntry | None:
    """A refusal without a request (a websocket handshake): the row and the security line.

    A stranger (no logged-in user) gets no row, only a rate-limited security line
    (privacy.strangers): the access log is for identified users and systems.
    """
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if not is_user:
        if stranger_line_allowed(ip):
            security_log_line(
                user_id=None, role="anonymous", view=view, method=method, ip=ip, reason=reason
            )
        return None
    entry = access_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        allowed=False,
        reason=reason,
        ip_address=ip or None,
    )
    security_log_line(
        user_id=actor.pk,
        role=getattr(actor, "role", "anonymous"),
        view=view,
        method=method,
        ip=ip,
        reason=reason,
    )
    return entry


def page_refused(
    sender: Any, *, request: HttpRequest, reason: str, view_name: str, **_: Any
) -> None:
    """Receiver of accounts.security.access_refused: the refused row for the page.

    None for a stranger (no logged-in user): log_refusal's security line is all there is.
    """
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return
    access_record(
        actor=user,
        action="view",
        target_type="page",
        target_id=view_name,
        allowed=False,
        reason=reason,
        ip_address=client_ip(request) or None,
    )
