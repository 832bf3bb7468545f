from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.care_home, name="care_home"),
    path("new/", views.care_file_new, name="care_file_new"),
    path("files/<int:pk>/", views.care_file, name="care_file"),
    path("files/<int:pk>/note/", views.care_note, name="care_note"),
    path("files/<int:pk>/tier/", views.care_tier, name="care_tier"),
    path("files/<int:pk>/owner/", views.care_owner, name="care_owner"),
    path("files/<int:pk>/flag/", views.care_flag, name="care_flag"),
    path("files/<int:pk>/diagnosis/", views.care_diagnosis, name="care_diagnosis"),
    path("files/<int:pk>/tasks/<int:task_id>/done/", views.care_task_done, name="care_task_done"),
    path("files/<int:pk>/attachments/", views.care_attachment_add, name="care_attachment_add"),
    path(
        "files/<int:pk>/attachments/<int:attachment_id>/",
        views.care_attachment,
        name="care_attachment",
    ),
    path("files/<int:pk>/watches/", views.care_watch_add, name="care_watch_add"),
    path("files/<int:pk>/grants/", views.care_grant_add, name="care_grant_add"),
    path(
        "files/<int:pk>/grants/<int:grant_id>/revoke/",
        views.care_grant_revoke,
        name="care_grant_revoke",
    ),
    re_path(
        r"^files/(?P<pk>[0-9]{1,18})/export\.(?P<fmt>xlsx|pdf)$",
        views.care_export,
        name="care_export",
    ),
    path("grants/", views.care_grants, name="care_grants"),
    path("overdue/", views.care_overdue, name="care_overdue"),
    path("files/<int:pk>/status/", views.care_status_request, name="care_status_request"),
    path("status-requests/", views.care_status_requests, name="care_status_requests"),
    path(
        "status-requests/<int:task_id>/",
        views.care_status_decide,
        name="care_status_decide",
    ),
    path("break-glass/", views.care_break_glass_list, name="care_break_glass_list"),
    path("break-glass/open/", views.care_break_glass_open, name="care_break_glass_open"),
    path(
        "break-glass/<int:glass_id>/review/",
        views.care_break_glass_review,
        name="care_break_glass_review",
    ),
    path("key-lists/", views.care_key_lists, name="care_key_lists"),
    path("key-lists/<int:pk>/", views.care_key_list, name="care_key_list"),
    path("key-lists/<int:pk>/ack/", views.care_key_list_ack, name="care_key_list_ack"),
    re_path(
        r"^key-lists/(?P<pk>[0-9]{1,18})/export\.(?P<fmt>xlsx|pdf)$",
        views.care_key_list_export,
        name="care_key_list_export",
    ),
]
