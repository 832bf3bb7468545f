"""The 405 page. Django has handlers for 400/403/404/500 pages but none for 405: require_POST
and friends answer an empty body, which a browser shows as a blank "HTTP ERROR 405"."""

from django.http import HttpResponse
from django.template.loader import render_to_string


def method_not_allowed_page(request, response: HttpResponse) -> HttpResponse:
    """Fill an empty 405 answer with templates/405.html, in the person's language. Answers that
    carry a body of their own (the API's JSON) are left alone."""
    if (
        response.status_code != 405
        or getattr(response, "streaming", False)
        or response.content
        or not request.accepts("text/html")
    ):
        return response
    response.content = render_to_string("405.html", {"method_not_allowed": True}, request=request)
    response["Content-Type"] = "text/html; charset=utf-8"
    if response.has_header(
        "Content-Length"
    ):  # CommonMiddleware, further in, measured the empty body
        response["Content-Length"] = str(len(response.content))
    return response


class MethodNotAllowedPageMiddleware:
    """Runs inside ChineseFirstLocaleMiddleware, so the page is in the person's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return method_not_allowed_page(request, self.get_response(request))
