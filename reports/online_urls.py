"""The public online report, mounted at /melden/ (public: see accounts.middleware)."""

from django.urls import path

from reports import online_views

app_name = "melden"

urlpatterns = [
    path("", online_views.start, name="start"),
    path("stap/<int:number>/", online_views.step, name="step"),
    path("advies/", online_views.advice, name="advice"),
    path("ontvangen/", online_views.received, name="received"),
    path("stoppen/", online_views.discard, name="discard"),
    path("snel-weg/", online_views.quick_exit, name="quick_exit"),
]
