"""Document pages: the incidents one may write a report for, an incident's documents with the
buttons that queue one, a document's progress (htmx polls it every second until it is done)
and the download — always an attachment, scoped exactly like the incident (404 otherwise)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from shouwang.incidents.selectors import incident_get

from . import selectors, services
from .models import Document


@login_required
@require_GET
def document_index(request):
    return render(
        request,
        "documents/index.html",
        {"incidents": selectors.incidents_for_documents(request.user)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def incident_documents(request, pk):
    incident = incident_get(request.user, pk)
    errors, status = [], 200
    if request.method == "POST":
        try:
            document = services.document_request(
                actor=request.user,
                incident=incident,
                kind=request.POST.get("kind", "")[:20],
                fmt=request.POST.get("format", "")[:10],
            )
        except ValidationError as exc:
            errors, status = exc.messages, 400
        except PermissionDenied as exc:
            errors, status = [str(exc)], 403
        else:
            return redirect("document_detail", document.pk)
    return render(
        request,
        "documents/incident.html",
        {
            "incident": incident,
            "documents": selectors.documents_for(request.user, incident),
            "kinds": selectors.kinds_for(request.user, incident),
            "formats": Document.Format.choices,
            "errors": errors,
        },
        status=status,
    )


@login_required
@require_GET
def document_detail(request, pk):
    document = selectors.document_get(request.user, pk)
    return render(
        request, "documents/detail.html", {"document": document, "incident": document.incident}
    )


@login_required
@require_GET
def document_progress(request, pk):
    """The changing part of the detail page; without a poll trigger once the job has ended."""
    return render(
        request, "documents/_progress.html", {"document": selectors.document_get(request.user, pk)}
    )


@login_required
@require_GET
def document_download(request, pk):
    document = selectors.document_get(request.user, pk)
    if document.state != Document.State.DONE or not document.file:
        raise Http404
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
