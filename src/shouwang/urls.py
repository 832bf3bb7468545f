from django.contrib import admin
from django.urls import include, path

from shouwang.accounts import cas
from shouwang.api_v1 import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("escalation/", include("shouwang.escalation.urls")),
    path("", include("shouwang.notify.urls")),
    path("plans/", include("shouwang.plans.urls")),
    path("incidents/", include("shouwang.incidents.urls")),
    path("aftermath/", include("shouwang.aftermath.urls")),
    path("documents/", include("shouwang.documents.urls")),
    path("accountability/", include("shouwang.accountability.urls")),
    path("monitoring/", include("shouwang.monitoring.urls")),
    path("leave/", include("shouwang.leave.urls")),
    path("campaigns/", include("shouwang.campaigns.urls")),
    path("care/", include("shouwang.care.urls")),
    path("talks/", include("shouwang.talks.urls")),
    path("handovers/", include("shouwang.handovers.urls")),
    path("studies/", include("shouwang.studies.urls")),
    path("screening/", include("shouwang.screening.urls")),
    path("", include("shouwang.reports.urls")),
    path("", include("shouwang.web.urls")),
]

# Always routed; the views answer 404 while SHOUWANG_CAS_ENABLED is off.
urlpatterns += [
    path("cas/login/", cas.LoginView.as_view(), name="cas_ng_login"),
    path("cas/logout/", cas.LogoutView.as_view(), name="cas_ng_logout"),
]
