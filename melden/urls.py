"""The public online report, mounted at /melden/ (public: see accounts.middleware)."""

from django.urls import path

from melden import views

app_name = "melden"

urlpatterns = [
    path("", views.start, name="start"),
    path("stap/<int:number>/", views.step, name="step"),
    path("advies/", views.advice, name="advice"),
    path("ontvangen/", views.received, name="received"),
    path("stoppen/", views.discard, name="discard"),
    path("snel-weg/", views.quick_exit, name="quick_exit"),
    path("later/", views.save_for_later, name="save_for_later"),
    path("verder/", views.resume, name="resume"),
]
