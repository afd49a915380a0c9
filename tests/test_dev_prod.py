"""The production configuration of ``./dev serve`` (tools/dev.py): sizing
from the machine and the keys that make it a production server."""

import configparser
import importlib.util
from pathlib import Path

import pytest

DEV_PY = Path(__file__).resolve().parent.parent / "tools" / "dev.py"
GiB = 1024**3


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("vc_dev_prod", DEV_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _connections(s):
    return (s["workers"] + s["max_cron_threads"]) * s["db_maxconn"] + s[
        "db_maxconn_gevent"
    ]


def test_two_cores_24_gib(dev):
    """The Department's machine: 5 workers, pools within max_connections."""
    s = dev.prod_sizing(2, 24 * GiB, 200)
    assert s["workers"] == 5
    assert s["max_cron_threads"] == 1
    assert s["db_maxconn"] == 8
    assert _connections(s) <= 200 - dev.PG_RESERVED_CONNECTIONS
    assert s["limit_memory_hard"] == 2560 * dev.MiB
    assert s["limit_memory_soft"] < s["limit_memory_hard"]


def test_debian_default_max_connections(dev):
    """The system PostgreSQL's 100 connections still leave the reserve."""
    for cores in (1, 2, 4, 8, 16, 64):
        s = dev.prod_sizing(cores, 64 * GiB, 100)
        assert 2 <= s["workers"] <= 17
        assert s["db_maxconn"] >= 2
        assert _connections(s) <= 100 - dev.PG_RESERVED_CONNECTIONS


def test_bounds(dev):
    assert dev.prod_sizing(64, 256 * GiB, 1000)["workers"] == 17
    assert dev.prod_sizing(1, 256 * GiB, 1000)["workers"] == 3
    # little RAM: fewer workers, each with a smaller hard limit
    small = dev.prod_sizing(8, 3 * GiB, 200)
    assert small["workers"] < 17
    total = small["limit_memory_hard"] * (small["workers"] + 2)
    assert total <= 3 * GiB
    with pytest.raises(dev.DevError, match="max_connections"):
        dev.prod_sizing(2, 24 * GiB, 20, workers=17)


def test_production_keys(dev, tmp_path):
    class FakePg(dev.Postgres):
        def __init__(self):
            self.port = 5432

    sizing = dev.prod_sizing(2, 24 * GiB, 200)
    text = dev.prod_conf_text(
        tmp_path,
        FakePg(),
        "vc_prod",
        "127.0.0.1",
        8069,
        8072,
        sizing,
        tmp_path / "data",
        "$pbkdf2-sha512$600000$x$y",
    )
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    opts = parser["options"]
    assert opts["list_db"] == "False"
    assert opts["dbfilter"] == "^vc_prod$"
    assert opts["db_name"] == "vc_prod"
    assert opts["without_demo"] == "all"
    assert opts["proxy_mode"] == "True"
    assert opts["http_interface"] == "127.0.0.1"
    assert opts["workers"] == "5"
    assert opts["gevent_port"] == "8072"
    assert opts["admin_passwd"].startswith("$pbkdf2-sha512$")
    assert "hg_videoconf_prefork" in opts["server_wide_modules"]
    assert int(opts["listen_backlog"]) >= 200
    assert opts["addons_path"].endswith("deploy/addons")
    for key in ("limit_time_cpu", "limit_time_real", "limit_memory_hard"):
        assert int(opts[key]) > 0
    assert (Path(opts["addons_path"].split(",")[-1]) / "hg_videoconf_prefork").is_dir()
