"""What the dashboard polls to learn that the server lost its database or channel layer.

Answered by `ServerStatusMiddleware`, before sessions and login: with the database down
the session cannot be read, and that is just when the page must hear about it. It says
no more than /readyz, which is public too: two yes-or-no answers, no data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from events.reachability import reachability

STATUS_PATH = "/hotline/status/"


@never_cache
@require_GET
def server_status(request: HttpRequest) -> JsonResponse:
    return JsonResponse(reachability().as_json())


class ServerStatusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == STATUS_PATH:
            return server_status(request)
        return self.get_response(request)
