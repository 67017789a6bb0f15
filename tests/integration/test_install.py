"""`make install` and Debian's stock apache2 configuration (nothing under /etc is changed)."""

import os
import subprocess
import tempfile

import pytest

import ajtest

STOCK_CONF = "/etc/apache2/apache2.conf"
STOCK_ENVVARS = "/etc/apache2/envvars"


@pytest.fixture(scope="module")
def installed():
    """Run `make install DESTDIR=<tmp>` in the build tree; return the installed .so."""
    destdir = os.path.join(ajtest.base_dir(), "destdir-" + ajtest.current_mpm())
    out = subprocess.run(["make", "-C", ajtest.top_builddir(), "install",
                          "DESTDIR=" + destdir],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    libexec = ajtest.apxs_query("LIBEXECDIR") or "/usr/lib/apache2/modules"
    path = destdir + os.path.join(libexec, "mod_auth0_jwt.so")
    assert os.path.isfile(path), "make install put no module at %s:\n%s" % (path, out.stdout)
    return path


def test_installed_under_debian_modules_dir(installed):
    assert "/usr/lib/apache2/modules/mod_auth0_jwt.so" in installed
    assert os.stat(installed).st_mode & 0o444 == 0o444


def _stock_env(tmp):
    """Environment for Debian's stock config with its runtime folders moved into `tmp`.

    The stock envvars points at /var/run/apache2 etc., which need not exist (and
    which we do not create): an override file sources it, then redirects them.
    """
    for sub in ("run", "lock", "log"):
        os.makedirs(os.path.join(tmp, sub), exist_ok=True)
    envvars = os.path.join(tmp, "envvars")
    with open(envvars, "w") as f:
        f.write(". %s\n" % STOCK_ENVVARS)
        f.write("export APACHE_RUN_DIR=%s/run\n" % tmp)
        f.write("export APACHE_PID_FILE=%s/run/apache2.pid\n" % tmp)
        f.write("export APACHE_LOCK_DIR=%s/lock\n" % tmp)
        f.write("export APACHE_LOG_DIR=%s/log\n" % tmp)
    env = dict(os.environ)
    env["APACHE_ENVVARS"] = envvars
    return env, envvars


@pytest.mark.skipif(not os.path.exists(STOCK_CONF), reason="no Debian apache2 config in /etc")
def test_stock_config_loads_module(installed):
    env, envvars = _stock_env(tempfile.mkdtemp(prefix="stock-", dir=ajtest.base_dir()))
    load = "LoadModule auth0_jwt_module %s" % installed
    # apache2 itself, with the variables Debian's envvars sets
    out = subprocess.run(["sh", "-c", '. "$1"; shift; exec "$@"', "sh", envvars,
                          ajtest.httpd_binary(), "-d", "/etc/apache2", "-t", "-C", load],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and "Syntax OK" in out.stdout + out.stderr, out.stderr
    # and through apache2ctl, as an administrator would
    if os.path.exists("/usr/sbin/apache2ctl"):
        out = subprocess.run(["/usr/sbin/apache2ctl", "-t", "-C", load], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 0 and "Syntax OK" in out.stdout + out.stderr, out.stderr


@pytest.mark.skipif(not os.path.exists(STOCK_CONF), reason="no Debian apache2 config in /etc")
def test_stock_config_module_listed(installed):
    env, envvars = _stock_env(tempfile.mkdtemp(prefix="stock-", dir=ajtest.base_dir()))
    out = subprocess.run(["sh", "-c", '. "$1"; shift; exec "$@"', "sh", envvars,
                          ajtest.httpd_binary(), "-d", "/etc/apache2", "-M",
                          "-C", "LoadModule auth0_jwt_module %s" % installed],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "auth0_jwt_module (shared)" in out.stdout


def test_installed_module_answers(installed):
    snippet = "<Location /api/>\n    SetHandler auth0-demo\n    Require all granted\n</Location>\n"
    with ajtest.Httpd(snippet, name="installed", module=installed) as srv:
        r = srv.get("/api/public")
        assert r.status == 200
        assert r.header("Content-Type") == "application/json"
        assert r.body.startswith(b'{"message":"Hello from a public endpoint!')


A2ENMOD = "/usr/sbin/a2enmod"


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(A2ENMOD)
                    or not os.path.exists(STOCK_CONF),
                    reason="needs root and Debian's apache2 (a2enmod)")
def test_make_install_then_a2enmod_configtest():
    """The administrator's path: `make install`, `a2enmod auth0_jwt`, `apache2ctl configtest`.

    This one changes the system (the module, its .load/.conf, mods-enabled links)
    and puts everything back as it was; it runs once, under the event MPM.
    """
    if ajtest.current_mpm() != "event":
        pytest.skip("runs once, under the event MPM")
    enabled = "/etc/apache2/mods-enabled/"
    had_shmcb = os.path.exists(enabled + "socache_shmcb.load")
    had_ours = os.path.exists(enabled + "auth0_jwt.load")
    out = subprocess.run(["make", "-C", ajtest.top_builddir(), "install"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert os.path.exists("/etc/apache2/mods-available/auth0_jwt.load")
    try:
        out = subprocess.run([A2ENMOD, "-q", "auth0_jwt"], capture_output=True, text=True,
                             timeout=60, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
        # "# Depends: socache_shmcb" in auth0_jwt.load enables the shared cache too
        assert os.path.exists(enabled + "socache_shmcb.load")
        env, _ = _stock_env(tempfile.mkdtemp(prefix="a2enmod-", dir=ajtest.base_dir()))
        out = subprocess.run(["/usr/sbin/apache2ctl", "configtest"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert out.returncode == 0 and "Syntax OK" in out.stdout + out.stderr, out.stderr
        out = subprocess.run(["/usr/sbin/apache2ctl", "-M"], env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert "auth0_jwt_module (shared)" in out.stdout
    finally:
        if not had_ours:
            subprocess.run(["/usr/sbin/a2dismod", "-q", "-f", "auth0_jwt"], check=False,
                           capture_output=True)
        if not had_shmcb:
            subprocess.run(["/usr/sbin/a2dismod", "-q", "-f", "socache_shmcb"], check=False,
                           capture_output=True)
