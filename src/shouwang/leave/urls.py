from django.urls import path

from . import views

urlpatterns = [
    path("", views.leave_queue, name="leave_queue"),
    path("<int:pk>/", views.leave_detail, name="leave_detail"),
    path("<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/return/", views.leave_return, name="leave_return"),
]
