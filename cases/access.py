"""Need-to-know for case views: `case_for` and `case_view` are privacy.gate's access gate
applied to Case.objects.visible_to, so every view that shows or changes a case reads it,
logs the access and refuses (and logs) everyone else in the same way."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.http import HttpRequest, HttpResponse

from cases.models import Case
from privacy.gate import protected, protected_record


def visible_cases(request: HttpRequest) -> models.QuerySet[Case]:
    return Case.objects.visible_to(request.user)


def case_for(request: HttpRequest, case_id: int, *, action: str | None = "view") -> Case:
    """The case if the user may know it (access logged); a logged 403 or a 404 otherwise."""
    return protected_record(request, visible=visible_cases(request), pk=case_id, action=action)


def case_view(
    action: str | None = "view",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The view gets the case (second argument) instead of the URL's case_id."""
    return protected(visible_cases, kwarg="case_id", action=action)
