from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("live.json", views.live, name="live"),
    path("export/<slug:list_name>.csv", views.export, name="export"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics.csv", views.statistics_export, name="statistics_export"),
    path("cases/<int:case_id>/assign/", views.reassign, name="reassign"),
]
