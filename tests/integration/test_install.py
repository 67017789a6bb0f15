"""`make install` and Debian's stock apache2 configuration.

Every install here goes into a throw-away DESTDIR under the test's temporary
folder, and every change of configuration into a copy of /etc/apache2: nothing
outside the temporary folder is written (test_make_install_then_a2enmod_configtest
checks that with a snapshot of /etc/apache2, /usr/lib/apache2/modules,
/usr/local/bin and /var/lib/apache2 before and after).
"""

import os
import shutil
import subprocess
import tempfile

import pytest

import ajtest

STOCK_CONF = "/etc/apache2/apache2.conf"
STOCK_ENVVARS = "/etc/apache2/envvars"


def _configured_module_dir():
    """APXS_LIBEXECDIR as configure wrote it into the build tree's Makefile."""
    try:
        with open(os.path.join(ajtest.top_builddir(), "Makefile"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("APXS_LIBEXECDIR = "):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


@pytest.fixture(scope="module", autouse=True)
def _installs_where_httpd_looks():
    """These tests follow an install into httpd's own folders (staged under a
    DESTDIR). A build configured to install elsewhere, as make distcheck's is
    (--with-apache-moduledir under its prefix), has nothing of that to show."""
    configured = _configured_module_dir()
    libexec = ajtest.apxs_query("LIBEXECDIR") or "/usr/lib/apache2/modules"
    if configured is not None and configured != libexec:
        pytest.skip("this build installs the module into %s, not %s" % (configured, libexec))


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
A2DISMOD = "/usr/sbin/a2dismod"
APACHE2CTL = "/usr/sbin/apache2ctl"

# What an install on the real system would touch: none of it may change.
SYSTEM_PATHS = ("/etc/apache2", "/usr/lib/apache2/modules", "/usr/local/bin",
                "/var/lib/apache2")


def _snapshot():
    """Every path (with its kind, mode and size) under the system folders the
    administrator's path of the test would use if it were not redirected."""
    seen = {}
    for top in SYSTEM_PATHS:
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                path = os.path.join(root, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                seen[path] = (st.st_mode, st.st_size if not os.path.isdir(path) else 0,
                              os.readlink(path) if os.path.islink(path) else None)
    return seen


@pytest.mark.skipif(not all(os.path.exists(p) for p in (A2ENMOD, APACHE2CTL, STOCK_CONF)),
                    reason="needs Debian's apache2 (a2enmod, apache2ctl, /etc/apache2)")
def test_make_install_then_a2enmod_configtest():
    """The administrator's path, `make install`, `a2enmod auth0_jwt`, `apache2ctl configtest`,
    done in a throw-away way: the system is left exactly as it was found.

    - `make install DESTDIR=<tmp>/destdir` stages the module, the CLI, its man
      page and auth0_jwt.load/.conf under a temporary folder, as a packager does;
    - a copy of /etc/apache2 (APACHE_CONFDIR) receives the staged .load/.conf,
      with the LoadModule path pointed at the staged module;
    - a2enmod and a2dismod run on that copy, with their state markers in a
      temporary APACHE_STATE_DIRECTORY; apache2ctl reads the copy.
    Nothing is written under /etc, /usr or /var: a snapshot of those folders
    taken before is compared with one taken after.
    """
    if ajtest.current_mpm() != "event":
        pytest.skip("runs once, under the event MPM")
    before = _snapshot()
    tmp = tempfile.mkdtemp(prefix="a2enmod-", dir=ajtest.base_dir())
    destdir = os.path.join(tmp, "destdir")
    out = subprocess.run(["make", "-C", ajtest.top_builddir(), "install", "DESTDIR=" + destdir],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    libexec = ajtest.apxs_query("LIBEXECDIR") or "/usr/lib/apache2/modules"
    staged_so = destdir + os.path.join(libexec, "mod_auth0_jwt.so")
    staged_conf = destdir + "/etc/apache2/mods-available"
    staged_man = destdir + "/usr/local/share/man/man1/auth0-jwt.1"
    for path in (staged_so, staged_conf + "/auth0_jwt.load", staged_conf + "/auth0_jwt.conf",
                 destdir + "/usr/local/bin/auth0-jwt", staged_man):
        assert os.path.isfile(path), "make install staged no %s:\n%s" % (path, out.stdout)
    # the man page as configure wrote it: the version filled in, nothing left to substitute
    with open(staged_man, encoding="utf-8") as f:
        page = f.read()
    assert page.startswith(".\\\"") and "\n.TH AUTH0-JWT 1 " in page and "@" not in page, page[:400]

    confdir = os.path.join(tmp, "apache2")
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    with open(staged_conf + "/auth0_jwt.load") as f:
        load = f.read()
    assert os.path.join(libexec, "mod_auth0_jwt.so") in load, load
    with open(confdir + "/mods-available/auth0_jwt.load", "w") as f:
        f.write(load.replace(os.path.join(libexec, "mod_auth0_jwt.so"), staged_so))
    shutil.copy(staged_conf + "/auth0_jwt.conf", confdir + "/mods-available/auth0_jwt.conf")
    for sub in ("run", "lock", "log", "state"):
        os.makedirs(os.path.join(tmp, sub))
    with open(os.path.join(tmp, "envvars"), "w") as f:
        f.write(". %s/envvars\n" % confdir)
        for var, sub in (("APACHE_RUN_DIR", "run"), ("APACHE_LOCK_DIR", "lock"),
                         ("APACHE_LOG_DIR", "log")):
            f.write("export %s=%s/%s\n" % (var, tmp, sub))
        f.write("export APACHE_PID_FILE=%s/run/apache2.pid\n" % tmp)
    env = dict(os.environ, APACHE_CONFDIR=confdir, APACHE_ENVVARS=os.path.join(tmp, "envvars"),
               APACHE_STATE_DIRECTORY=os.path.join(tmp, "state"))
    enabled = confdir + "/mods-enabled/"
    had_shmcb = os.path.exists(enabled + "socache_shmcb.load")

    def run(*args):
        return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=60,
                              check=False)

    out = run(A2ENMOD, "-q", "auth0_jwt")
    assert out.returncode == 0, out.stdout + out.stderr
    assert os.path.islink(enabled + "auth0_jwt.load") and os.path.islink(enabled + "auth0_jwt.conf")
    # "# Depends: socache_shmcb" in auth0_jwt.load enables the shared cache too
    assert os.path.exists(enabled + "socache_shmcb.load")
    out = run(APACHE2CTL, "configtest")
    assert out.returncode == 0 and "Syntax OK" in out.stdout + out.stderr, out.stderr
    out = run(APACHE2CTL, "-M")
    assert "auth0_jwt_module (shared)" in out.stdout, out.stdout + out.stderr
    out = run(A2DISMOD, "-q", "auth0_jwt")
    assert out.returncode == 0 and not os.path.exists(enabled + "auth0_jwt.load"), out.stderr
    assert os.path.exists(enabled + "socache_shmcb.load") or not had_shmcb

    after = _snapshot()
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert not changed, "the test changed the system: %s" % changed[:20]
