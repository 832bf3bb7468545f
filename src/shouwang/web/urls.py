from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_import, views_me
from .forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            http_method_names=[
                "get",
                "head",
                "post",
                "options",
            ],  # Django's LoginView takes PUT as POST
            template_name="web/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
            extra_context={"cas_enabled": lambda: settings.CAS_ENABLED},  # read per request
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/code/", views_me.code_login, name="code_login"),
    path("me/", include("shouwang.web.urls_me")),
    path("students/accounts/", views.student_accounts, name="student_accounts"),
    path("", views.home, name="home"),
    path("org/", views.org_tree, name="org_tree"),
    path("org/gaps/", views.gaps, name="gaps"),
    path("org/<str:code>/", views.unit_detail, name="unit_detail"),
    path("org/<str:code>/children/", views.unit_children, name="unit_children"),
    path("students/", views.student_search, name="student_search"),
    path("students/<str:student_no>/", views.student_detail, name="student_detail"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("import/", views_import.import_page, name="import"),
    path("import/template/<str:kind>.xlsx", views_import.import_template, name="import_template"),
    path("healthz", views.healthz, name="healthz"),
]
