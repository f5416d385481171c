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
    path("cases/<int:case_id>/table/", views.case_table, name="case_table"),
    path(
        "cases/<int:case_id>/table/<int:referral_id>/prepare/",
        views.case_table_prepare,
        name="case_table_prepare",
    ),
    path(
        "cases/<int:case_id>/table/<int:referral_id>/outcome/",
        views.case_table_outcome,
        name="case_table_outcome",
    ),
    path("cases/<int:case_id>/raad/urgent/", views.case_council_urgent, name="case_council_urgent"),
    path("handovers/escalated/", views.escalated, name="escalated"),
]
