from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

from config import health

# The admin is for superusers configuring the system; like every staff page it needs 2FA.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Veilig Thuis"

# A pool timeout in a middleware is a 503 that says so, not a bare 500 (config/database_pool.py).
handler500 = "config.database_pool.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("privacy/", include("privacy.urls")),
    path("hotline/", include("hotline.urls")),
    path("hotline/", include("dashboard.urls")),
    path("cases/", include("cases.urls")),
    path("cases/", include("melden.feedback_urls")),
    path("cases/", include("huisverbod.urls")),
    path("melden/", include("melden.urls")),
    path("partner/", include("handover.partner_urls")),
    path("api/partner/v1/", include("handover.api_urls")),
    path("monitoring/", include("handover.monitoring_urls")),
    path("supervisor/", include("supervision.urls")),
    path("", include("handover.urls")),
    path("", include("safety_assessment.urls")),
    path("", include("accounts.home_urls")),
]

if settings.BENCHMARK_MODE:
    # The floors make bench measures against; never routed otherwise.
    from config import benchmark

    urlpatterns.insert(0, path("bench/floor/twiml/", benchmark.floor_twiml))
    urlpatterns.insert(0, path("bench/pool-stats/", benchmark.pool_stats))
