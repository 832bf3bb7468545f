"""Single sign-on through the school's CAS server (统一身份认证), with django-cas-ng.

Only people already in Shouwang may log in: the CAS answer's staff or student number (the
attribute named by SHOUWANG_CAS_NUMBER_ATTRIBUTE, or the CAS user name itself) must equal an
active account's staff_no; nobody is created. A refused log-in (ticket replayed, for another
service, unknown number, account locked out) gets a page saying which, with the local log-in
next to it; so does a CAS server that is down or hangs. Lock-out (axes) applies to CAS log-ins
too, and a CAS session is an ordinary session, so the idle timeout applies as well."""

import logging
import urllib.error
import urllib.request

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django_cas_ng import views as cas_views
from django_cas_ng.utils import RedirectException, get_cas_client

log = logging.getLogger("shouwang.accounts")
SESSION_FLAG = "shouwang_cas"  # the session began with a CAS log-in: log out through CAS too


class TimedSession(requests.Session):
    """python-cas validates tickets without a timeout: a hanging CAS server would hang the
    log-in request. Every call here gets SHOUWANG_CAS_TIMEOUT_SECONDS."""

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", settings.CAS_TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def timed_session():
    return TimedSession()


class CASBackend(ModelBackend):
    """authenticate(request, ticket=…, service=…): the CAS server validates the ticket for this
    service (CAS 3.0 /p3/serviceValidate); the account is the one whose staff_no is the number.
    Records why it refused on request.cas_refusal for the page."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not settings.CAS_ENABLED or not ticket or not service:
            return None
        client = get_cas_client(service_url=service, request=request)
        name, attributes, _pgtiou = client.verify_ticket(ticket)
        if not name:
            return self._refuse(request, "ticket")
        attribute = settings.CAS_USERNAME_ATTRIBUTE
        number = name if attribute == "cas:user" else (attributes or {}).get(attribute)
        if isinstance(number, list):
            number = number[0] if number else None
        number = str(number or "").strip()[:40]
        if not number:
            return self._refuse(request, "no_number")
        user = get_user_model()._default_manager.filter(staff_no=number).first()
        if user is None or not self.user_can_authenticate(user):
            return self._refuse(request, "unknown", number=number)
        if request is not None and _locked_out(request, user.get_username()):
            return self._refuse(request, "locked")
        return user

    def _refuse(self, request, reason, number=""):
        if request is not None:
            request.cas_refusal = reason
            request.cas_number = number
        log.info("CAS log-in refused: %s", reason)
        return None


def _locked_out(request, username) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": username})


def cas_reachable() -> bool:
    """Whether the CAS server answers at all (any HTTP status), within the timeout."""
    try:
        urllib.request.urlopen(
            settings.CAS_SERVER_URL.rstrip("/") + "/login", timeout=settings.CAS_TIMEOUT_SECONDS
        ).close()
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return True


def _unavailable(request):
    return render(request, "accounts/cas_unavailable.html", status=503)


class LoginView(cas_views.LoginView):
    """/cas/login/: to the CAS server and back with a ticket; refusals and outages get a page."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.CAS_ENABLED:
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except RedirectException:
            return HttpResponseBadRequest("next must be a page of this site")
        except PermissionDenied:
            reason = getattr(request, "cas_refusal", "ticket")
            return render(
                request,
                "accounts/cas_refused.html",
                {"reason": reason, "number": getattr(request, "cas_number", "")},
                status=403,
            )
        except (requests.RequestException, OSError):
            return _unavailable(request)

    def get(self, request, *args, **kwargs):
        if (
            not request.GET.get("ticket")
            and not request.user.is_authenticated
            and not cas_reachable()
        ):
            return _unavailable(request)
        return super().get(request)

    def successful_login(self, request, next_page):
        request.session[SESSION_FLAG] = True
        return super().successful_login(request, next_page)


class LogoutView(cas_views.LogoutView):
    """/cas/logout/: out of Shouwang and out of the CAS server (POST from the page's button)."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.CAS_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Out of Shouwang now; then to the CAS server's /logout by a page, not a redirect: the
        # content security policy (form-action 'self') stops a form's redirect to another site.
        response = self.get(request)
        if response.status_code in (301, 302) and url_has_allowed_host_and_scheme(
            response.url, None
        ):
            return response
        return render(request, "accounts/cas_logged_out.html", {"cas_logout_url": response.url})
