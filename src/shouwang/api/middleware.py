"""Refuse API input containing NUL characters. Django's forms refuse them for the web pages
(ProhibitNullCharactersValidator); the API's query parameters and JSON bodies would otherwise
carry them to PostgreSQL, which cannot store them, and the request would fail on the server."""

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class RejectNulInApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and self._carries_nul(request):
            return JsonResponse({"detail": {"__all__": [_("The request contains a NUL character (\\0).")]}},
                                status=422)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if "\x00" in request.path or _has_nul([list(pair) for pair in request.GET.lists()]):
            return True
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "application/json":
            try:
                return _has_nul(json.loads(request.body or b"null"))
            except (ValueError, UnicodeDecodeError):
                return False  # not JSON: the API answers that itself
        if request.content_type == "multipart/form-data":
            return _has_nul([list(pair) for pair in request.POST.lists()])  # fields, not file contents
        return False
