"""The import upload page: for those who maintain the register (学生处, school leaders)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.org.importing import KINDS, ImportFileError, import_file, template_workbook
from shouwang.org.permissions import can_manage_org

KIND_LABELS = {"units": gettext_lazy("Organisation units"), "staff": gettext_lazy("Staff and posts"), "students": gettext_lazy("Students")}


@login_required
def import_page(request):
    if not can_manage_org(request.user):
        raise PermissionDenied
    result, error = None, None
    if request.method == "POST":
        kind, upload = request.POST.get("kind"), request.FILES.get("file")
        if kind not in KINDS or upload is None:
            error = _("Choose what to import and a file.")
        else:
            try:
                result = import_file(actor=request.user, kind=kind, data=upload.read(), filename=upload.name)
            except ImportFileError as exc:
                error = str(exc)
            if result is not None and result.ok:
                messages.success(request, _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged.")
                                 % {"c": result.created, "u": result.updated, "n": result.unchanged})
    status = 400 if error or (result is not None and not result.ok) else 200
    return render(request, "web/import.html", {"kinds": KIND_LABELS, "result": result, "error": error},
                  status=status)


@login_required
def import_template(request, kind):
    if kind not in KINDS:
        raise Http404
    response = HttpResponse(template_workbook(kind),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="shouwang-{kind}-template.xlsx"'
    return response
