"""Need-to-know for case views, in one place: every view that shows or changes a case
gets it through `case_view`, which reads it via Case.objects.visible_to, writes the
access log, and refuses (and logs) everyone else."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from cases.models import Case
from privacy.access_log import record_or_refuse


def case_for(request: HttpRequest, case_id: int, *, action: str = "view") -> Case:
    """The case if the user may know it (access logged); a logged 403 or a 404 otherwise."""
    return record_or_refuse(
        request,
        visible=Case.objects.visible_to(request.user),
        pk=case_id,
        action=action,
        refused_reason="not need-to-know",
        refused_log_reason="case outside need-to-know",
    )


def case_view(action: str = "view") -> Callable[[Callable[..., HttpResponse]], Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, case_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
            return view(request, case_for(request, case_id, action=action), *args, **kwargs)

        return wrapped

    return decorator
