"""The project's URLs plus one staff view that shows a case's account, for the tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cases.models import Case
from config.urls import urlpatterns as project_urlpatterns


def show_account(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(Case.objects.get(pk=pk).account)


urlpatterns = [path("test/case/<int:pk>/", show_account), *project_urlpatterns]
