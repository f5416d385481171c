from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.intake_new, name="intake_new"),
    path("radar/", views.radar, name="radar"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/contact/new/", views.contact_new, name="contact_new"),
    path("<int:case_id>/safety-actions/", views.safety_action_new, name="safety_action_new"),
    path("<int:case_id>/step/<slug:step>/", views.case_step, name="case_step"),
    path("<int:case_id>/link/<int:other_id>/", views.case_link, name="case_link"),
]
