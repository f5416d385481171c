from django.urls import path

from safety_assessment import views

app_name = "safety_assessment"

# Included at the root: these sit beside the case pages of cases.urls under /cases/.
urlpatterns = [
    path("cases/<int:case_id>/assessment/", views.case_assessment, name="case_assessment"),
    path(
        "cases/<int:case_id>/assessment/<slug:instrument_slug>/",
        views.assessment_form,
        name="assessment_form",
    ),
    path("cases/<int:case_id>/decision/propose/", views.decision_propose, name="decision_propose"),
    path("cases/<int:case_id>/acute/clear/", views.acute_clear, name="acute_clear"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:proposal_id>/approve/", views.approval_approve, name="approve"),
    path("approvals/<int:proposal_id>/reject/", views.approval_reject, name="reject"),
    path("assessments/overdue/", views.overdue, name="overdue"),
]
