"""Refuse input no column can store before any view sees it: NUL characters (PostgreSQL cannot
store them), lone surrogates such as a JSON "\\ud800" (not UTF-8: the database driver cannot
encode them) and JSON nested deeper than any of our documents (parsing 1,000 levels overflowed
Python's recursion in the check itself). Django's forms refuse NUL in form fields
(ProhibitNullCharactersValidator), but query strings and paths reach views as they are
(`/students/?q=%00`, `/org/%00/`). The API answers 422 with its error shape, pages 400."""

import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# No JSON body of ours nests deeper than a few levels; a generous bound still stops a bomb.
MAX_JSON_DEPTH = 32


class _Unstorable(Exception):
    pass


def _bad_text(value: str) -> str | None:
    if "\x00" in value:
        return _("The request contains a NUL character (\\0).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("The request contains text that is not valid Unicode (a lone surrogate).")
    return None


def _problem(value) -> str | None:
    """Walk strings, lists and dicts without recursion; the first problem found, or None."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return _("The JSON is nested more than %(depth)d levels deep.") % {
                "depth": MAX_JSON_DEPTH
            }
        if isinstance(item, str):
            problem = _bad_text(item)
            if problem:
                return problem
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return None


def _json_problem(body: bytes) -> str | None:
    # Count the nesting before parsing: json.loads itself recurses once per level. Only bodies
    # with that many brackets at all need the walk over their bytes.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _too_deep(body):
        return _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
    try:
        return _problem(json.loads(body or b"null"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None  # not JSON: the API answers that itself


def _too_deep(body: bytes) -> bool:
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class RejectNulInApiMiddleware:
    """Kept under its old name (settings.MIDDLEWARE); it now guards every path, not only /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": {"__all__": [problem]}}, status=422)
        return HttpResponseBadRequest(
            render_to_string("400.html", {"problem": problem}, request=request)
        )

    @staticmethod
    def _problem(request) -> str | None:
        problem = _bad_text(request.path) or _problem([list(pair) for pair in request.GET.lists()])
        if problem:
            return problem
        if request.method in ("POST", "PUT", "PATCH"):
            if request.content_type == "application/json":
                return _json_problem(request.body)
            if request.path.startswith("/api/") and request.content_type == "multipart/form-data":
                try:
                    fields = [
                        list(pair) for pair in request.POST.lists()
                    ]  # fields, not file contents
                except Exception:  # a broken multipart body: the API answers 400 for it itself
                    return None
                return _problem(fields)
        return None
