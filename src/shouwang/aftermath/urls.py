from django.urls import path

from . import views

urlpatterns = [
    path("", views.aftermath_home, name="aftermath_home"),
    path("<int:pk>/", views.aftermath_detail, name="aftermath_detail"),
    path("<int:pk>/investigation/", views.aftermath_investigation, name="aftermath_investigation"),
    path("<int:pk>/items/<int:item_id>/", views.aftermath_item, name="aftermath_item"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/sections/<slug:key>/", views.review_section, name="review_section"),
    path("reviews/<int:pk>/sign-off/", views.review_sign_off, name="review_sign_off"),
    path("reviews/<int:pk>/refresh/", views.review_refresh, name="review_refresh"),
    path("reviews/<int:pk>/amend/", views.review_amend, name="review_amend"),
    path("reviews/<int:pk>/actions/", views.review_action_new, name="review_action_new"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/progress/", views.action_progress, name="action_progress"),
    path("actions/<int:pk>/submit/", views.action_submit, name="action_submit"),
    path("actions/<int:pk>/inspect/", views.action_inspect, name="action_inspect"),
]
