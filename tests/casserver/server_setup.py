"""Migrate the test CAS server's database and allow Shouwang's service URLs (any local port),
releasing every attribute."""

import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0)

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402

pattern, _created = ServicePattern.objects.get_or_create(
    name="shouwang", pattern=r"^https?://(testserver|127\.0\.0\.1|localhost)(:\d+)?/cas/login/.*$"
)
ReplaceAttributName.objects.get_or_create(name="*", replace="", service_pattern=pattern)
ServicePattern.objects.get_or_create(name="other", pattern=r"^https?://other\.example/.*$")
