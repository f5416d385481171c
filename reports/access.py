"""Need-to-know for case views, in one place: every view that shows or changes a case
gets it through `case_view`, which reads it via Case.objects.visible_to, writes the
access log, and refuses (and logs) everyone else."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.security import log_refusal
from privacy.access_log import access_record_request
from reports.models import Case


def case_view(action: str = "view") -> Callable[[Callable[..., HttpResponse]], Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, case_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
            case = Case.objects.visible_to(request.user).filter(pk=case_id).first()
            if case is None:
                exists = Case.objects.filter(pk=case_id).exists()
                access_record_request(
                    request,
                    action=action,
                    target_type="reports.case",
                    target_id=case_id,
                    allowed=False,
                    reason="not need-to-know" if exists else "no such case",
                )
                if exists:
                    log_refusal(request, reason="case outside need-to-know")
                    raise PermissionDenied
                raise Http404
            access_record_request(request, action=action, target=case)
            return view(request, case, *args, **kwargs)

        return wrapped

    return decorator
