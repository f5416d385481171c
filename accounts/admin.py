from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Team, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Veilig Thuis", {"fields": ("team", "region")}))
    list_display = ("username", "team", "region", "is_active", "last_login")


admin.site.register(Team)
