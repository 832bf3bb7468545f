import socket

from shouwang.ops.management.commands.serve import site_url


def test_message_links_point_at_the_address_served():
    # `shouwang serve --port 8765` used to leave one-tap links pointing at :8000.
    assert site_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"
    assert site_url("::1", 8000) == "http://[::1]:8000"
    assert site_url("0.0.0.0", 80) == f"http://{socket.getfqdn()}:80"
