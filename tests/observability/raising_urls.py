"""A view that fails while it holds a case and the request carries markers (error-report test)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cases.models import Case
from config.urls import urlpatterns as project_urlpatterns


def failing_view(request: HttpRequest) -> HttpResponse:
    case = Case.objects.get(pk=request.GET["case"])
    account = case.account  # a local variable that holds a case field
    raise RuntimeError(f"could not handle {account} for {request.POST.get('name')}")


# The project's own routes too: the login middleware in front of it reverses them.
urlpatterns = [path("fails/", failing_view, name="fails"), *project_urlpatterns]
