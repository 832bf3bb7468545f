"""A student's own account reaches only their pages (issue 16, item 1), enforced here once for
every address rather than view by view: a signed-in student without any post (org.permissions
.is_student_only) gets /me/…, /api/v1/me/…, signing in and out, the language switch and static
files; anything else answers 404, as if it did not exist. Their home is /me/. A student cadre
(a student with a post) is not held here: their post's scope applies, and the selectors still
show them no other student's leave."""

from django.http import Http404
from django.shortcuts import redirect

from shouwang.org.permissions import is_student_only

STUDENT_PATHS = ("/me/", "/api/v1/me/", "/login/", "/logout/", "/i18n/", "/static/", "/cas/")


class StudentOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_student_only(user):
            path = request.path_info
            if path == "/":
                return redirect("me_home")
            if not path.startswith(STUDENT_PATHS) and path != "/healthz":
                raise Http404  # turned into the 404 page by the middleware chain
        return self.get_response(request)
