from django.urls import path

from . import views

urlpatterns = [
    path("", views.document_index, name="document_index"),
    path("incidents/<int:pk>/", views.incident_documents, name="incident_documents"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/progress/", views.document_progress, name="document_progress"),
    path("<int:pk>/download/", views.document_download, name="document_download"),
]
