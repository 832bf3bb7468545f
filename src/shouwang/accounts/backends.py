"""Sign in with one's number too: a student types their 学号, staff their 工号, whatever the
account's user name is (a student cadre's account may be named otherwise)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class NumberBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        number = str(username).strip()[:40]
        user = (
            get_user_model()
            ._default_manager.filter(staff_no=number)
            .exclude(username=number)  # the user name itself is ModelBackend's
            .first()
        )
        if user is None:
            get_user_model()().set_password(password)  # the same time as a wrong password
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
