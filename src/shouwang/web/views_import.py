"""The import upload page: for those who maintain the register (学生处, school leaders)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shouwang.org.importing import KINDS, import_file, template_csv, template_workbook
from shouwang.org.permissions import can_manage_org

KIND_LABELS = {
    "units": gettext_lazy("Organisation units"),
    "staff": gettext_lazy("Staff and posts"),
    "students": gettext_lazy("Students"),
}
# A page listing 50,000 errors helps nobody: the first ones show what to fix.
ERRORS_SHOWN = 500


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def import_page(request):
    if not can_manage_org(request.user):
        raise PermissionDenied
    result, error, kind = None, None, request.POST.get("kind", "students")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if kind not in KINDS or upload is None:
            error = _("Choose what to import and a file.")
        else:
            # The upload is passed as a file: its size is checked before it is read into memory.
            result = import_file(actor=request.user, kind=kind, data=upload, filename=upload.name)
    failed = error is not None or (result is not None and not result.ok)
    success = (
        _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged.")
        % {"c": result.created, "u": result.updated, "n": result.unchanged}
        if result and result.ok
        else ""
    )
    return render(
        request,
        "web/import.html",
        {
            "kinds": KIND_LABELS,
            "kind": kind,
            "result": result,
            "error": error,
            "success": success,
            "errors_shown": result.errors[:ERRORS_SHOWN] if result else [],
            "errors_hidden": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
        },
        status=400 if failed else 200,
    )


@login_required
def import_template(request, kind):
    if not can_manage_org(request.user):
        raise PermissionDenied
    if kind not in KINDS:
        raise Http404
    # ?format=csv: the same template as UTF-8 CSV for offices whose tools only speak CSV.
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="shouwang-{kind}-template.csv"'
        return response
    response = HttpResponse(
        template_workbook(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="shouwang-{kind}-template.xlsx"'
    return response
