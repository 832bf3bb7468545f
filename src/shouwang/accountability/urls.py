from django.urls import path

from . import views

urlpatterns = [
    path("", views.finding_list, name="accountability_findings"),
    path("findings/<int:pk>/", views.finding_detail, name="accountability_finding"),
    path("findings/<int:pk>/explain/", views.finding_explain, name="accountability_explain"),
    path("findings/<int:pk>/decide/", views.finding_decide, name="accountability_decide"),
    path("detect/", views.detector_run, name="accountability_detect"),
    path("limits/", views.limits, name="accountability_limits"),
    path("statistics/", views.statistics, name="accountability_statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="accountability_statistics_xlsx"),
]
