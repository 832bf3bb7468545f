from django.urls import path

from . import views

urlpatterns = [path("rules/", views.my_rules, name="notify_rules")]
