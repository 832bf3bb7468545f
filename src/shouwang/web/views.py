from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from shouwang.org import selectors as org


def healthz(request):
    with connection.cursor() as c:
        c.execute("SELECT 1")
    return JsonResponse({"ok": True})


@login_required
def home(request):
    return render(request, "web/home.html", {
        "my_posts": org.my_units(request.user),
        "gaps": org.unit_gaps(request.user)[:50],
    })
