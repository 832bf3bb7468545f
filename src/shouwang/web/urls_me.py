from django.urls import path

from . import views_me

urlpatterns = [
    path("", views_me.me_home, name="me_home"),
    path("leave/new/", views_me.me_leave_new, name="me_leave_new"),
    path("leave/<int:pk>/", views_me.me_leave_detail, name="me_leave_detail"),
    path("leave/<int:pk>/cancel/", views_me.me_leave_cancel, name="me_leave_cancel"),
    path("password/", views_me.me_password, name="me_password"),
]
