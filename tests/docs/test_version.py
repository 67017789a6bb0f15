"""The version is written in one place, AC_INIT in configure.ac (issue 18).

Every place that shows it must agree: the top entry of NEWS.md,
`auth0-jwt --version` (when the tool is built; AJ_CLI names it), the man
page's .TH line once configure has written it, and the first line of
debian/changelog when there is one. No other file may carry the version
string itself: a second copy is one that a release forgets to change.
"""

import os
import re
import subprocess

import pytest

TOP = os.environ.get("AJ_TOP_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AJ_TOP_BUILDDIR") or TOP

# The files that must carry the version string, beside configure.ac.
CARRIERS = ("configure.ac", "NEWS.md", "debian/changelog")
# Folders that hold build output or third-party data, not our text.
SKIP_DIRS = {".git", ".libs", ".deps", "autom4te.cache", "build-aux", "__pycache__",
             ".pytest_cache", ".state", ".fuzz", ".asan", "coverage", "logs", "m4"}
# What autoreconf writes from configure.ac (a release tarball carries it), and
# what configure and make write in a tree built in place.
GENERATED = {"configure", "Makefile.in", "aclocal.m4", "config.h.in", "config.status",
             "config.log", "config.h", "Makefile", "libtool", "man/auth0-jwt.1"}


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8", errors="replace") as f:
        return f.read()


def ac_init_version():
    m = re.search(r"^AC_INIT\(\[[^]]*\],\s*\[([^]]+)\]", read(TOP, "configure.ac"), re.M)
    assert m, "configure.ac has no AC_INIT([name], [version], ...)"
    return m.group(1)


def literal(version):
    """The version as a whole word: not part of a longer number such as 10.1.0.7."""
    return re.compile(r"(?<![\d.])%s(?!\d|\.\d)" % re.escape(version))


def source_files():
    """The repository's own files: git's list when there is one (a clone),
    else every file under the top (an unpacked release tarball)."""
    try:
        out = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True, text=True,
                             check=True, timeout=60).stdout.splitlines()
        if out:
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    found = []
    for root, dirs, files in os.walk(TOP):
        # a build tree inside the sources (make distcheck's _build/sub) is not ours
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS
                   and not os.path.exists(os.path.join(root, d, "config.status"))]
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), TOP)
            if rel not in GENERATED and not name.endswith((".la", ".lo", ".o", "~")):
                found.append(rel)
    return found


def files_with(version, files, top=TOP):
    pattern = literal(version)
    hits = []
    for rel in files:
        path = os.path.join(top, rel)
        if not os.path.isfile(path) or os.path.getsize(path) > 4 << 20:
            continue
        with open(path, "rb") as f:
            head = f.read(4096)
            if b"\0" in head:
                continue  # a binary: an object file, a fuzz input
            text = (head + f.read()).decode("utf-8", errors="replace")
        if pattern.search(text):
            hits.append(rel)
    return hits


def test_version_looks_like_one():
    assert re.fullmatch(r"\d+\.\d+\.\d+", ac_init_version()), ac_init_version()


def test_literal_pattern():
    pat = literal("7.8.9")
    assert pat.search('version "7.8.9";') and pat.search("v7.8.9.") and pat.search("(7.8.9-1)")
    assert not pat.search("17.8.9") and not pat.search("7.8.9.4") and not pat.search("7.8.91")


def test_a_second_copy_is_found(tmp_path):
    """The checker itself: a file carrying the version is reported."""
    (tmp_path / "x.c").write_text('#define V "7.8.9"\n')
    (tmp_path / "y.c").write_text("17.8.9.4\n")
    assert files_with("7.8.9", ["x.c", "y.c"], top=str(tmp_path)) == ["x.c"]


def test_news_top_entry_is_this_version():
    news = read(TOP, "NEWS.md")
    m = re.search(r"^## (\S+) \((\d{4}-\d{2}-\d{2})\)$", news, re.M)
    assert m, "NEWS.md has no entry `## VERSION (YYYY-MM-DD)`"
    assert m.group(1) == ac_init_version(), \
        "NEWS.md's top entry is %s, AC_INIT says %s" % (m.group(1), ac_init_version())


def test_cli_prints_this_version():
    cli = os.environ.get("AJ_CLI") or os.path.join(BUILD, "auth0-jwt")
    if not os.access(cli, os.X_OK):
        pytest.skip("auth0-jwt is not built (%s)" % cli)
    res = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=30,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["auth0-jwt", "(mod_auth0_jwt)", ac_init_version()], res.stdout


def test_man_page_takes_the_version_from_configure():
    assert "@PACKAGE_VERSION@" in read(TOP, "man", "auth0-jwt.1.in")
    built = os.path.join(BUILD, "man", "auth0-jwt.1")
    if not os.path.exists(built):
        pytest.skip("configure has not written %s" % built)
    th = re.search(r"^\.TH .*$", read(built), re.M)
    assert th and '"mod_auth0_jwt %s"' % ac_init_version() in th.group(0), th


def test_debian_changelog_names_this_version():
    path = os.path.join(TOP, "debian", "changelog")
    if not os.path.exists(path):
        pytest.skip("no debian/changelog")
    first = read(path).splitlines()[0]
    m = re.match(r"^[a-z0-9][a-z0-9.+-]+ \((?:\d+:)?([^)\s]+?)(?:-[^-)\s]+)?\) ", first)
    assert m, "debian/changelog's first line names no version: %s" % first
    assert m.group(1) == ac_init_version(), first


def test_no_other_file_carries_the_version():
    version = ac_init_version()
    files = [f for f in source_files() if f not in CARRIERS]
    assert len(files) > 50, "found too few files to check: %d" % len(files)
    hits = files_with(version, files)
    assert not hits, "these files write the version %s themselves (take it from AC_INIT, " \
        "PACKAGE_VERSION or AUTH0_JWT_VERSION): %s" % (version, hits)
