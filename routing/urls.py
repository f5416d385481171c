from django.urls import path

from routing import views

app_name = "routing"

# Included at the root: the handover page sits beside the case pages under /cases/.
urlpatterns = [
    path("cases/<int:case_id>/handover/", views.case_handover, name="case_handover"),
    path("handovers/escalated/", views.escalated, name="escalated"),
]
