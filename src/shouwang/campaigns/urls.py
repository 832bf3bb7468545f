from django.urls import path

from . import views

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_board, name="campaign_board"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/units/<str:code>/", views.campaign_unit, name="campaign_unit"),
]
