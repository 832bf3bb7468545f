from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shouwang.api_v1 import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("escalation/", include("shouwang.escalation.urls")),
    path("", include("shouwang.notify.urls")),
    path("plans/", include("shouwang.plans.urls")),
    path("incidents/", include("shouwang.incidents.urls")),
    path("accountability/", include("shouwang.accountability.urls")),
    path("", include("shouwang.reports.urls")),
    path("", include("shouwang.web.urls")),
]

if settings.CAS_ENABLED:
    import django_cas_ng.views

    urlpatterns += [
        path("cas/login/", django_cas_ng.views.LoginView.as_view(), name="cas_ng_login"),
        path("cas/logout/", django_cas_ng.views.LogoutView.as_view(), name="cas_ng_logout"),
    ]
