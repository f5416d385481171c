from django.urls import path

from handover import views

app_name = "handover"

# Included at the root: the handover page sits beside the case pages under /cases/.
urlpatterns = [
    path("cases/<int:case_id>/handover/", views.case_handover, name="case_handover"),
    path(
        "cases/<int:case_id>/handover/<int:handover_id>/answer/",
        views.case_handover_answer,
        name="case_handover_answer",
    ),
    path("handovers/escalated/", views.escalated, name="escalated"),
]
