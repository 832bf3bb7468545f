from django.urls import path

from . import views

urlpatterns = [
    path("", views.checklist, name="talks_checklist"),
    path("statistics/", views.statistics, name="talks_statistics"),
    path("semesters/", views.semesters, name="talks_semesters"),
    path("students/<str:student_no>/", views.student, name="talks_student"),
    path("students/<str:student_no>/guardian/", views.guardian_send, name="talks_guardian_send"),
    path("guardian/<str:token>/", views.guardian_confirm, name="talks_guardian_confirm"),
]
