import pytest

from tests.casserver import cas_server_session


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    yield from cas_server_session(tmp_path_factory)


@pytest.fixture
def cas(cas_server, settings):
    """Shouwang with CAS on, pointed at the local CAS server; numbers in employeeNumber."""
    settings.CAS_ENABLED = True
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    return cas_server
