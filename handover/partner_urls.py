from django.urls import path

from handover import views

app_name = "partner"

urlpatterns = [
    path("", views.partner_inbox, name="inbox"),
    path("<int:handover_id>/", views.partner_handover, name="handover"),
    path("<int:handover_id>/accept/", views.partner_accept, name="accept"),
    path("<int:handover_id>/reject/", views.partner_reject, name="reject"),
    path("<int:handover_id>/table/outcome/", views.partner_table_outcome, name="table_outcome"),
]
