from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("token/", views.token_view, name="token"),
    path("logout/", views.logout_view, name="logout"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("password/", views.password_change, name="password_change"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:user_id>/unlock/", views.staff_unlock, name="staff_unlock"),
    path(
        "staff/<int:user_id>/reset-authenticator/",
        views.staff_reset_authenticator,
        name="staff_reset_authenticator",
    ),
]
