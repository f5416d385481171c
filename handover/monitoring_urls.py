from django.urls import path

from handover import views

app_name = "monitoring"

urlpatterns = [
    path("", views.monitoring_list, name="list"),
    path("<int:contact_id>/", views.monitoring_contact, name="contact"),
]
