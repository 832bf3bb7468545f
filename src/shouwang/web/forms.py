from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # Django's own wording names the field and talks about case; staff need one plain sentence.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Please try again."),
        "inactive": _("This account is disabled. Ask the administrator."),
    }
