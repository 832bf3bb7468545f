from django.urls import path

from . import views

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/<int:pk>/delete/", views.resource_delete, name="resource_delete"),
    path("<slug:code>/", views.plan_detail, name="plan_detail"),
    path("<slug:code>/clone/", views.plan_clone, name="plan_clone"),
    path("<slug:code>/edit/", views.plan_edit, name="plan_edit"),
    path("<slug:code>/check/", views.plan_check, name="plan_check"),
]
