"""The idle timeout counts what a person does, not what an open tab polls.

The session's cookie age is renewed whenever the session is saved. Django's
SESSION_SAVE_EVERY_REQUEST saved it on every request, and the header polls the inbox badge
every 3 s (the incident board every 5 s), so an open tab was never idle. This middleware marks
the session for saving on every request except those to SESSION_PASSIVE_URL_NAMES; a poll still
reads the session (and is refused once it expired), it just does not extend it."""

from django.conf import settings


class ActivityRenewsSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        passive = match is not None and match.url_name in settings.SESSION_PASSIVE_URL_NAMES
        session = getattr(request, "session", None)
        if session is not None and not passive:
            session.modified = True  # SessionMiddleware saves it and renews the cookie
        return response
