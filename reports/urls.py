from django.urls import path

from reports import feedback_views, views

app_name = "reports"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.intake_new, name="intake_new"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/step/<slug:step>/", views.case_step, name="case_step"),
    path("<int:case_id>/link/<int:other_id>/", views.case_link, name="case_link"),
    path(
        "<int:case_id>/feedback/<int:task_id>/",
        feedback_views.feedback_compose,
        name="feedback",
    ),
    path(
        "<int:case_id>/feedback/<int:task_id>/approve/",
        feedback_views.feedback_approve,
        name="feedback_approve",
    ),
]
