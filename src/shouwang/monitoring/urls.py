from django.urls import path

from . import views

urlpatterns = [
    path("tonight/", views.tonight, name="tonight"),
    path("rounds/", views.rounds, name="monitoring_rounds"),
    path("rounds/<str:student_no>/", views.round_mark, name="monitoring_round_mark"),
    path("students/<str:student_no>/", views.student_traces, name="monitoring_student"),
    path("rules/", views.rule_list, name="monitoring_rules"),
    path("rules/<int:pk>/", views.rule_edit, name="monitoring_rule_edit"),
    path("imports/", views.gate_imports, name="monitoring_imports"),
    path("imports/<int:pk>/", views.gate_import_detail, name="monitoring_import"),
]
