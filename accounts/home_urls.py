from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.operator_guide, name="operator_guide"),
    path(
        "help/screenshots/<slug:name>.png",
        views.operator_guide_screenshot,
        name="operator_guide_screenshot",
    ),
]
