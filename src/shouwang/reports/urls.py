from django.urls import path

from . import views, views_ack

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/new/students/", views.student_lookup, name="report_student_lookup"),
    path("reports/new/students/pick/", views.student_pick, name="report_student_pick"),
    path("reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("reports/<int:report_id>/ack/", views.report_ack, name="report_ack"),
    path("reports/<int:report_id>/update/", views.report_update, name="report_update"),
    path("reports/<int:report_id>/verify/", views.report_verify, name="report_verify"),
    path("reports/<int:report_id>/decide/", views.report_decide, name="report_decide"),
    path("reports/<int:report_id>/severity/", views.report_severity, name="report_severity"),
    path("reports/<int:report_id>/external/", views.report_external, name="report_external"),
    path("reports/<int:report_id>/timeline/", views.report_timeline, name="report_timeline"),
    path(
        "reports/<int:report_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("ack/<str:token>/", views_ack.ack_link, name="ack_link"),
]
