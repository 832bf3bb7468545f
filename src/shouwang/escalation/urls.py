from django.urls import path

from . import views

urlpatterns = [
    path("policies/", views.policy_list, name="escalation_policies"),
    path("policies/new/", views.policy_new, name="escalation_policy_new"),
    path("policies/validate/", views.policy_validate, name="escalation_policy_validate"),
    path("policies/<int:pk>/", views.policy_edit, name="escalation_policy_edit"),
    path("duty/", views.duty_roster, name="duty_roster"),
    path("duty/add/", views.duty_add, name="duty_add"),
    path("duty/<int:pk>/remove/", views.duty_remove, name="duty_remove"),
    path("duty/import/", views.duty_import_upload, name="duty_import"),
    path("duty/template.xlsx", views.duty_template, name="duty_template"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<int:pk>/remove/", views.holiday_remove, name="holiday_remove"),
]
