"""The port check of ``./dev run`` / ``./dev serve`` (tools/dev.py).

It must bind the way Odoo binds (``SO_REUSEADDR``): a port whose last
connections are in TIME-WAIT is free, a listening socket is not.
"""

import importlib.util
import socket
from pathlib import Path

import pytest

DEV_PY = Path(__file__).resolve().parent.parent / "tools" / "dev.py"


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("vc_dev", DEV_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time_wait_port() -> int:
    """A port whose server side closed first: its end sits in TIME-WAIT."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()  # the server closes first, as Odoo does when stopped
    client.recv(1)  # the FIN has arrived
    client.close()
    server.close()
    return port


def test_listening_port_is_busy(dev):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert not dev.port_is_free(port, "127.0.0.1")
        # a server binding every interface collides with it too
        assert not dev.port_is_free(port, "0.0.0.0")
        assert dev.free_port(port) != port


def test_time_wait_port_is_free(dev):
    port = _time_wait_port()
    with socket.socket() as plain:
        try:
            plain.bind(("127.0.0.1", port))
        except OSError:
            pass  # the old check (no SO_REUSEADDR) said "busy" here
        else:
            pytest.skip("this kernel left no TIME-WAIT to test against")
    assert dev.port_is_free(port, "127.0.0.1")
    assert dev.free_port(port) == port


def test_free_port_picks_one(dev):
    port = dev.free_port()
    assert 0 < port < 65536
    assert dev.port_is_free(port)
