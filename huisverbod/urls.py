from django.urls import path

from huisverbod import views

app_name = "huisverbod"

# Under the case: /cases/<case_id>/huisverbod/...
urlpatterns = [
    path("<int:case_id>/huisverbod/new/", views.huisverbod_new, name="new"),
    path("<int:case_id>/huisverbod/<int:huisverbod_id>/", views.huisverbod_detail, name="detail"),
    path(
        "<int:case_id>/huisverbod/<int:huisverbod_id>/extend/",
        views.huisverbod_extend,
        name="extend",
    ),
    path(
        "<int:case_id>/huisverbod/<int:huisverbod_id>/advice/",
        views.huisverbod_advice,
        name="advice",
    ),
    path(
        "<int:case_id>/huisverbod/<int:huisverbod_id>/task/<int:task_id>/",
        views.huisverbod_task_done,
        name="task_done",
    ),
]
