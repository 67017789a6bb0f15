"""The README's demo command: scripts/demo.sh, run on other ports, answers its
printed curl lines as labelled (200 / 401 / 403), fetching its keys over HTTPS
from its own second virtual host."""

import os
import re
import shlex
import signal
import subprocess
import tempfile
import time

import pytest

import socket

import ajtest


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False

DEMO = os.path.join(ajtest.top_srcdir(), "scripts", "demo.sh")


@pytest.fixture(scope="module")
def demo():
    if ajtest.current_mpm() != "event":
        pytest.skip("the demo script runs once, under the event MPM")
    state = tempfile.mkdtemp(prefix="demo-", dir=ajtest.base_dir())
    os.chmod(state, 0o755)
    port, jwks_port = ajtest.free_port(), ajtest.free_port()
    env = dict(os.environ, AJ_DEMO_PORT=str(port), AJ_DEMO_JWKS_PORT=str(jwks_port),
               AJ_DEMO_STATE=state)
    for k in ("AUTH0_DOMAIN", "AUTH0_AUDIENCE", "API_IDENTIFIER"):
        env.pop(k, None)
    out_path = os.path.join(state, "demo.out")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(["bash", DEMO], stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=ajtest.top_srcdir(), start_new_session=True)
    try:
        deadline = time.time() + 120
        text = ""
        while time.time() < deadline:
            with open(out_path, errors="replace") as f:
                text = f.read()
            # the port opens before start-up is done: wait for httpd to say so,
            # so that what start-up logs (the key source lines) is in the text
            if "Configuration:" in text and "resuming normal operations" in text and \
                    port_open(port):
                break
            assert proc.poll() is None, "demo.sh exited early:\n" + text
            time.sleep(0.2)
        else:
            pytest.fail("demo did not come up:\n" + text)
        yield text, port
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def labelled_lines(text):
    """[(expected status, curl command)] from the demo's printout."""
    lines = text.splitlines()
    pairs = []
    for i, line in enumerate(lines):
        m = re.match(r"^# expect (\d{3})", line)
        if m and i + 1 < len(lines) and lines[i + 1].startswith("curl "):
            pairs.append((int(m.group(1)), lines[i + 1]))
    return pairs


def test_demo_prints_labelled_curl_lines(demo):
    text, port = demo
    pairs = labelled_lines(text)
    assert {s for s, _ in pairs} == {200, 401, 403}, text
    assert len(pairs) >= 6


def test_demo_answers_as_labelled(demo):
    text, port = demo
    env = dict(os.environ)
    for name, value in re.findall(r"^(TOKEN_[A-Z]+|PROOF)='([^']+)'$", text, re.M):
        env[name] = value
    results = []
    for expected, cmd in labelled_lines(text):
        probe = cmd.replace("curl -i ", "curl -s -o /dev/null -w %{http_code} ", 1)
        out = subprocess.run(["bash", "-c", probe], env=env, capture_output=True, text=True,
                             timeout=30, check=False)
        results.append((expected, out.stdout.strip(), cmd[:90]))
    wrong = [r for r in results if str(r[0]) != r[1]]
    assert not wrong, wrong
    # the demo's tokens were checked against keys fetched over HTTPS
    assert "is served by this server" in text


def test_demo_private_body_exact(demo):
    text, port = demo
    token = re.search(r"^TOKEN_SCOPED='([^']+)'$", text, re.M).group(1)
    r = ajtest.http_request(port, "GET", "/api/private-scoped",
                            headers=[("Authorization", "Bearer " + token)])
    assert r.status == 200
    assert r.body == (b'{"message":"Hello from a private endpoint! You need to be authenticated '
                      b'and have a scope of read:messages to see this."}')
    assert shlex.quote(token) == token  # printed tokens paste into any shell as they are
