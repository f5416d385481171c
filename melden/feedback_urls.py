from django.urls import path

from melden import feedback_views

app_name = "feedback"

# Mounted under /cases/: the statutory feedback is composed from the case page.
urlpatterns = [
    path("<int:case_id>/feedback/<int:task_id>/", feedback_views.feedback_compose, name="compose"),
    path(
        "<int:case_id>/feedback/<int:task_id>/approve/",
        feedback_views.feedback_approve,
        name="approve",
    ),
]
