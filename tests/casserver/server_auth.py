"""The school's directory for the test CAS server: users, passwords and attributes from the
JSON file CAS_TEST_USERS ({"user": {"password": …, "attributes": {…}}})."""

import json
import os

from cas_server.auth import AuthUser


def _directory():
    with open(os.environ["CAS_TEST_USERS"], encoding="utf-8") as f:
        return json.load(f)


class DirectoryUser(AuthUser):
    def __init__(self, username):
        super().__init__(username)
        self.entry = _directory().get(username)

    def test_password(self, password):
        return self.entry is not None and password == self.entry["password"]

    def attributs(self):
        return dict(self.entry["attributes"]) if self.entry else {}
