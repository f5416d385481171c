from django.urls import path

from dashboard import status, views

app_name = "dashboard"

# Mounted under /hotline/, beside the telephony paths: the operators' home.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("presence/", views.presence_update, name="presence"),
    path("heartbeat/", views.heartbeat, name="heartbeat"),
    # Answered by dashboard.status.ServerStatusMiddleware before the session is read.
    path("status/", status.server_status, name="status"),
]
