"""Checks of the test harness itself (ajtest.py): if these fail, nothing else is trusted."""

import re

import pytest

import ajtest

DEMO = """
<Location /api/>
    SetHandler auth0-demo
    Require all granted
</Location>
<Location /denied>
    Require all denied
</Location>
"""


_alive = ajtest._alive  # pylint: disable=protected-access
_group_members = ajtest._group_members  # pylint: disable=protected-access


def test_bad_log_lines_classification():
    lines = [
        "[Sun Nov 29 09:00:00.1 2026] [auth0_jwt:debug] [pid 1:tid 2] x.c(1): all fine",
        "[Sun Nov 29 09:00:00.1 2026] [mpm_event:notice] [pid 1:tid 2] AH00489: resuming",
        "[Sun Nov 29 09:00:00.1 2026] [core:notice] [pid 1:tid 2] AH00052: child pid 7 "
        "exit signal Segmentation fault (11)",
        "[Sun Nov 29 09:00:00.1 2026] [auth0_jwt:warn] [pid 1:tid 2] x.c(1): careful",
        "[Sun Nov 29 09:00:00.1 2026] [:error] [pid 1:tid 2] something",
        "==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x1",
        "[Sun Nov 29 09:00:00.1 2026] [core:emerg] [pid 1] AH00020: bad",
    ]
    bad = ajtest.bad_log_lines(lines)
    assert bad == lines[2:]
    assert ajtest.bad_log_lines(lines, [re.compile("careful|something|bad|Address|exit")]) == []


def test_server_runs_chosen_mpm(httpd_factory):
    srv = httpd_factory(DEMO)
    srv.wait_log(r"\[mpm_%s:notice\].*resuming normal operations" % srv.mpm, since_test=False)
    assert srv.mpm == ajtest.current_mpm()


def test_unexpected_error_line_is_caught(httpd_factory):
    srv = httpd_factory(DEMO)
    assert srv.get("/denied").status == 403
    with pytest.raises(ajtest.LogError, match="AH01630"):
        srv.check_log()


def test_expect_log_fixture_allows(httpd_factory, expect_log):
    srv = httpd_factory(DEMO)
    expect_log(r"AH01630: client denied")
    assert srv.get("/denied").status == 403


def test_server_expect_log_allows(httpd_factory):
    srv = httpd_factory(DEMO)
    srv.expect_log(r"AH01630")
    assert srv.get("/denied").status == 403
    srv.wait_log(r"AH01630")


def test_raw_and_blank_headers(httpd_factory):
    srv = httpd_factory(DEMO)
    r = srv.get("/api/public", headers=[("Authorization", ""), ("X-A", "1"), ("X-A", "2")],
                raw_headers=["Authorization:"])
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    r = srv.request("GET", "/api/public", raw_headers=["X-Odd:  spaced  "])
    assert r.status == 200


def test_configtest(configtest):
    rc, out = configtest("NoSuchDirective On")
    assert rc != 0 and "NoSuchDirective" in out
    rc, out = configtest("<Location /api/>\n SetHandler auth0-demo\n</Location>")
    assert rc == 0 and "Syntax OK" in out


def test_start_failure_reports_and_leaves_nothing():
    srv = ajtest.Httpd("NoSuchDirective On", name="bad-start")
    with pytest.raises(ajtest.StartError, match="NoSuchDirective"):
        srv.start()
    assert not srv.running and srv not in ajtest.RUNNING


def test_stop_leaves_no_process():
    srv = ajtest.Httpd(DEMO, name="stop-check")
    srv.start()
    pid = srv.proc.pid
    assert srv.get("/api/public").status == 200
    assert len(_group_members(pid)) >= 2  # parent and children
    srv.stop()
    assert not _alive(pid)
    assert _group_members(pid) == []
    assert srv.proc.returncode == 0


def test_graceful_stop_and_restart(httpd_factory):
    srv = httpd_factory("")
    assert srv.get("/api/public").status == 404  # no handler yet: core's 404
    srv.graceful_restart(DEMO)
    assert srv.get("/api/public").status == 200
    srv.stop(graceful=True)
    assert srv.proc.returncode == 0


def test_not_started_until_resuming_is_logged(monkeypatch, httpd_factory):
    """A server that accepts on its port but never logs that it resumed normal
    operations (its post_config, and so the module's start-up fetches, not
    known to be done) is a failed start, never a started server."""
    monkeypatch.setattr(ajtest, "START_TIMEOUT", 2.0)
    monkeypatch.setattr(ajtest.Httpd, "_started_up", lambda self: False)
    with pytest.raises(ajtest.StartError, match="never logged that it resumed normal operations"):
        httpd_factory(DEMO)
