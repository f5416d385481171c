from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path(
        "access/<str:target_type>/<int:target_id>/",
        views.access_history_view,
        name="access_history",
    ),
    path(
        "access/<str:target_type>/<int:target_id>/export.csv",
        views.access_history_export,
        name="access_history_export",
    ),
    path(
        "destroy/<str:target_type>/<int:target_id>/",
        views.destroy_on_request,
        name="destroy_on_request",
    ),
]
