from django.urls import path

from . import views

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_new, name="incident_new"),
    path("<int:pk>/", views.incident_board, name="incident_board"),
    path("<int:pk>/live/", views.incident_board_live, name="incident_board_live"),
    path("<int:pk>/timeline/", views.incident_timeline, name="incident_timeline"),
    path("<int:pk>/tasks/<int:task_id>/done/", views.task_done, name="incident_task_done"),
    path("<int:pk>/decide/", views.decide, name="incident_decide"),
    path("<int:pk>/situation/", views.situation, name="incident_situation"),
    path("<int:pk>/arrive/", views.arrive, name="incident_arrive"),
    path("<int:pk>/level/", views.level, name="incident_level"),
    path("<int:pk>/external/", views.external, name="incident_external"),
    path("<int:pk>/releases/", views.release_new, name="incident_release_new"),
    path(
        "<int:pk>/releases/<int:release_id>/publish/",
        views.release_publish,
        name="incident_release_publish",
    ),
    path("<int:pk>/media/", views.media_new, name="incident_media_new"),
    path(
        "<int:pk>/media/<int:request_id>/decide/", views.media_decide, name="incident_media_decide"
    ),
    path("<int:pk>/close/", views.close, name="incident_close"),
]
