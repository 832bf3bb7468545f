from django.urls import path

from . import views

urlpatterns = [
    path("", views.screening_rounds, name="screening_rounds"),
    path("import/", views.screening_import, name="screening_import"),
    path("template/<str:instrument>/", views.screening_template, name="screening_template"),
    path("rounds/<int:pk>/", views.screening_round, name="screening_round"),
    path("rounds/<int:pk>/progress/", views.screening_round_progress, name="screening_progress"),
    path("interviews/", views.screening_interviews, name="screening_interviews"),
    path("interviews/<int:pk>/", views.screening_interview, name="screening_interview"),
]
