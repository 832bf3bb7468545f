"""Foundation pages. Thin: every read goes through org.selectors, which scope it (404 outside)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from shouwang.org import selectors as org
from shouwang.org.permissions import can_manage_org, may_see_contacts
from shouwang.org.services import student_accounts_create

HOME_GAPS = 20


def healthz(request):
    with connection.cursor() as c:
        c.execute("SELECT 1")
    return JsonResponse({"ok": True})


@login_required
def home(request):
    gaps = org.unit_gaps(request.user)
    return render(
        request,
        "web/home.html",
        {
            "my_posts": org.my_units(request.user),
            "gaps": gaps[:HOME_GAPS],
            "more_gaps": len(gaps) > HOME_GAPS,
            "gap_count": len(gaps),
        },
    )


@login_required
def org_tree(request):
    return render(
        request, "web/org_tree.html", {"roots": org.unit_roots(request.user).order_by("path")}
    )


@login_required
def unit_children(request, code):
    """htmx fragment: the children of one unit, for expanding the tree in place."""
    unit = org.unit_get(request.user, code)
    return render(
        request, "web/_unit_children.html", {"children": org.unit_children(request.user, unit)}
    )


@login_required
def unit_detail(request, code):
    unit = org.unit_get(request.user, code)
    students = None
    if unit.kind in ("class", "dorm_room"):
        students = Paginator(
            org.unit_students(request.user, unit).select_related(
                "klass", "dorm_room", "dorm_room__parent"
            ),
            50,
        ).get_page(request.GET.get("page"))
    gaps = org.unit_gaps(request.user, under=unit)
    return render(
        request,
        "web/unit_detail.html",
        {
            "unit": unit,
            "crumbs": org.unit_breadcrumbs(request.user, unit)[:-1],
            "children": org.unit_children(request.user, unit),
            "posts": org.posts_current_for_unit(request.user, unit),
            "own_gaps": [roles for u, roles in gaps if u.pk == unit.pk],
            "gap_count": len(gaps),
            "students": students,
            "contacts_visible": may_see_contacts(request.user),
        },
    )


@login_required
def gaps(request):
    under = org.unit_get(request.user, request.GET["under"]) if request.GET.get("under") else None
    return render(
        request, "web/gaps.html", {"gaps": org.unit_gaps(request.user, under=under), "under": under}
    )


@login_required
@vary_on_headers(
    "HX-Request"
)  # the same URL answers a fragment or a page: caches must tell them apart
def student_search(request):
    query = request.GET.get("q", "").strip()
    results = list(org.student_search(request.user, query)) if query else []
    # A history restore after "back" (the URL was pushed) needs the whole page, not the rows.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "web/_student_rows.html" if partial else "web/student_search.html"
    return render(
        request,
        template,
        {"query": query, "results": results, "can_manage_org": can_manage_org(request.user)},
    )


@login_required
@require_POST
def student_accounts(request):
    """学生处's button: accounts for every enrolled student without one (first log-in by an SMS
    code)."""
    if not can_manage_org(request.user):
        raise PermissionDenied
    n = student_accounts_create(actor=request.user)
    messages.success(request, _("%(n)d student account(s) created or linked.") % {"n": n})
    return redirect("student_search")


@login_required
def student_detail(request, student_no):
    student = org.student_get(request.user, student_no)
    openable = org.student_units_openable(request.user, student)
    return render(
        request,
        "web/student_detail.html",
        {
            "student": student,
            "class_visible": openable["class"],
            "room_visible": openable["room"],
            "contacts_visible": may_see_contacts(request.user),
        },
    )


@login_required
def person_detail(request, person_id):
    person = org.person_get(request.user, person_id)
    return render(
        request,
        "web/person_detail.html",
        {
            "person": person,
            "posts": org.posts_for_person(request.user, person),
            "contacts_visible": may_see_contacts(request.user) or person.pk == request.user.pk,
        },
    )
