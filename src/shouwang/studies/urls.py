from django.urls import path

from . import views

urlpatterns = [
    path("warnings/", views.warnings_page, name="studies_warnings"),
    path("warnings/<int:warning_id>/contact/", views.contact_record, name="studies_contact"),
    path("import/", views.import_page, name="studies_import"),
    path("import/<int:job_id>/", views.import_job, name="studies_import_job"),
    path("import/template/<str:kind>/", views.import_template, name="studies_template"),
    path("rules/", views.rules_page, name="studies_rules"),
]
