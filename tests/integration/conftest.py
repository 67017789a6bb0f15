"""pytest glue for the integration tests (the harness itself is ajtest.py).

Fixtures:
  httpd_factory  function-scoped: make(snippet="", **Httpd kwargs) -> started Httpd,
                 stopped (and its log checked) when the test ends
  expect_log     function-scoped: expect_log(regex) allows matching warn/error
                 lines in every server for the current test
  configtest     configtest(snippet, **kw) -> (returncode, output) of `httpd -t`

Module-scoped servers are made with `with ajtest.Httpd(SNIPPET) as srv: yield srv`
inside a fixture of scope="module"; every running server's error log is checked
after each test all the same.
"""

import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ajtest  # noqa: E402  pylint: disable=wrong-import-position


def _sigterm(signum, frame):
    # let pytest unwind (fixtures stop their servers) when the run is killed
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    signal.signal(signal.SIGTERM, _sigterm)


def pytest_report_header(config):
    return ["ajtest: httpd=%s mpm=%s module=%s"
            % (ajtest.httpd_binary(), ajtest.current_mpm(), ajtest.module_path())]


@pytest.fixture(scope="session", autouse=True)
def _built_module():
    path = ajtest.module_path()
    if not os.path.exists(path):
        pytest.exit("%s is missing: run `make` first (or set AJ_TOP_BUILDDIR)" % path, 2)
    if not os.access(ajtest.httpd_binary(), os.X_OK):
        pytest.exit("httpd binary %s not found (set AJ_HTTPD)" % ajtest.httpd_binary(), 2)
    yield
    ajtest._stop_all()  # pylint: disable=protected-access


def pytest_runtest_setup(item):
    ajtest.begin_test()


@pytest.hookimpl(trylast=True)
def pytest_runtest_call(item):
    # runs after the test body passed: its servers must have logged nothing bad
    for srv in list(ajtest.RUNNING):
        srv.check_log()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call":
        return
    item.rep_call_failed = report.failed
    if call.excinfo is not None:
        # the test failed (or xfailed, or skipped): show the servers' log for a
        # failure, and don't blame the next test for what this one logged
        for srv in list(ajtest.RUNNING):
            lines = srv.log_lines(since_test=True)
            if lines and report.failed:
                report.sections.append(("httpd %s error log" % srv.name, "\n".join(lines[-60:])))
            srv.skip_log()


@pytest.fixture
def expect_log():
    return ajtest.expect_log


@pytest.fixture
def configtest():
    return ajtest.configtest


@pytest.fixture
def httpd_factory(request):
    servers = []

    def make(snippet="", **kw):
        kw.setdefault("name", request.node.name)
        srv = ajtest.Httpd(snippet, **kw)
        servers.append(srv)
        return srv.start()

    yield make
    failed = getattr(request.node, "rep_call_failed", False)
    errors = []
    for srv in servers:
        try:
            srv.stop(check=not failed)
        except ajtest.LogError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)
