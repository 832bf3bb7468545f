from django.urls import path

from . import views

urlpatterns = [
    path("", views.handover_list, name="handover_list"),
    path("settings/", views.handover_settings, name="handover_settings"),
    path("<int:pk>/", views.handover_detail, name="handover_detail"),
    path("<int:pk>/acknowledge/", views.handover_ack, name="handover_ack"),
    path("<int:pk>/note/", views.handover_note, name="handover_note"),
]
