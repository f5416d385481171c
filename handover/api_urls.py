from django.urls import path

from handover import api

app_name = "partner_api"

urlpatterns = [
    path("handovers/", api.handover_list, name="handovers"),
    path("handovers/<int:handover_id>/accept", api.handover_accept, name="accept"),
    path("handovers/<int:handover_id>/reject", api.handover_reject, name="reject"),
]
