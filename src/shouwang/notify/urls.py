from django.urls import path

from . import views

urlpatterns = [
    path("notify/rules/", views.my_rules, name="notify_rules"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("inbox/<int:delivery_id>/", views.inbox_open, name="inbox_open"),
]
