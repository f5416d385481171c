from django.urls import path

from hotline import intake_views, views

app_name = "hotline"

# The /twilio/ paths are configured in Twilio's console: never rename them.
urlpatterns = [
    path("twilio/voice/", views.voice, name="voice"),
    path("twilio/menu/", views.menu, name="menu"),
    path("twilio/wait/", views.wait, name="wait"),
    path("twilio/queue-result/", views.queue_result, name="queue_result"),
    path("twilio/status/", views.status, name="status"),
    path("twilio/connect/", views.connect, name="connect"),
    path("twilio/fallback/", views.fallback, name="fallback"),
    path("twilio/callback/", views.callback, name="callback"),
    path("token/", views.token, name="token"),
    path("calls/<int:call_id>/take/", views.take_call, name="take_call"),
    path("calls/take-next/", views.take_next, name="take_next"),
    path("calls/<int:call_id>/intake/", intake_views.call_intake, name="call_intake"),
    path("calls/<int:call_id>/radar/", intake_views.call_radar, name="call_radar"),
    path("calls/<int:call_id>/wrap-up/", intake_views.call_wrap_up, name="call_wrap_up"),
    path("calls/<int:call_id>/acute/", intake_views.call_acute, name="call_acute"),
    path("callbacks/<int:contact_id>/", views.callback_request, name="callback_request"),
]
