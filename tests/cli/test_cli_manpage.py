"""auth0-jwt(1) against the tool's own help: the man page describes every
command and every option that `auth0-jwt --help` and `auth0-jwt COMMAND --help`
list, each under that command's part, and names no option the help does not.
groff finds nothing to warn about in it.

The page read is the one configure wrote (AJ_MAN, else man/auth0-jwt.1 in the
build tree); before configure has run, its source man/auth0-jwt.1.in.
"""

import os
import re
import shutil
import subprocess

import pytest

from ajcli import REPO_TOP, run

SRC_TOP = os.environ.get("AJ_TOP_SRCDIR") or REPO_TOP
BUILD_TOP = os.environ.get("AJ_TOP_BUILDDIR") or SRC_TOP

# An option as help text and man pages write it: -x or --long-name, not the
# "-" of stdin nor a hyphen inside a word (RSA-OAEP-256, P-256, A128CBC-HS256).
OPTION = re.compile(r"(?<![\w\-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*|-[a-zA-Z])(?![\w])")


def man_path():
    for path in (os.environ.get("AJ_MAN"), os.path.join(BUILD_TOP, "man", "auth0-jwt.1"),
                 os.path.join(SRC_TOP, "man", "auth0-jwt.1.in")):
        if path and os.path.isfile(path):
            return path
    pytest.fail("no man/auth0-jwt.1 (run configure) nor man/auth0-jwt.1.in")
    return None


def options(text):
    return set(OPTION.findall(text))


# ---- reading roff as plain words ---------------------------------------------------

ESCAPES = [(r"\-", "-"), (r"\e", "\\"), (r"\(dq", '"'), (r"\(aq", "'"), (r"\ ", " "),
           (r"\fB", ""), (r"\fI", ""), (r"\fR", ""), (r"\fP", ""), (r"\&", "")]


def plain(line):
    """One roff line as text: comments dropped, a request's name dropped, escapes undone."""
    if line.startswith('.\\"'):
        return ""
    if line.startswith("."):
        parts = line.split(None, 1)
        line = parts[1] if len(parts) > 1 else ""
        line = line.replace('"', " ")
    for esc, repl in ESCAPES:
        line = line.replace(esc, repl)
    return line


def sections(roff):
    """{".SH name": [roff lines]}, and {command: [roff lines]} for COMMANDS' .SS parts."""
    sh, ss, cur_sh, cur_ss = {}, {}, None, None
    for line in roff.splitlines():
        if line.startswith(".SH "):
            cur_sh, cur_ss = line[4:].strip().strip('"'), None
            sh[cur_sh] = []
            continue
        if line.startswith(".SS ") and cur_sh == "COMMANDS":
            cur_ss = line[4:].strip().strip('"')
            ss[cur_ss] = []
            continue
        if cur_ss is not None:
            ss[cur_ss].append(line)
        elif cur_sh is not None:
            sh[cur_sh].append(line)
    return sh, ss


def tagged_options(lines):
    """The options that head a .TP entry (the line after .TP, or after .TQ)."""
    out = set()
    for i, line in enumerate(lines[:-1]):
        if line.startswith((".TP", ".TQ")):
            head = plain(lines[i + 1]).split()
            if head and OPTION.fullmatch(head[0].rstrip(",")):
                out |= options(plain(lines[i + 1]))
    return out


def example_invocations(lines):
    """(command, text) for each `auth0-jwt COMMAND ...` in the EXAMPLES, with
    continued lines joined and the text cut at the end of a $( ... )."""
    text = "\n".join(plain(l) for l in lines if not l.startswith("."))
    text = re.sub(r"\\\n\s*", " ", text)
    found = []
    for m in re.finditer(r"auth0-jwt (\w+)([^\n)]*)", text):
        found.append((m.group(1), m.group(2)))
    return found


# ---- what the tool says ------------------------------------------------------------

@pytest.fixture(scope="module")
def top_help():
    res = run("--help")
    assert res.rc == 0, res
    return res.out


@pytest.fixture(scope="module")
def commands(top_help):
    names = re.findall(r"^  ([a-z]+) +\S", top_help, re.M)
    assert len(names) >= 7, top_help
    return names


@pytest.fixture(scope="module")
def command_help(commands):
    out = {}
    for cmd in commands:
        res = run(cmd, "--help")
        assert res.rc == 0 and res.out.startswith("usage: auth0-jwt %s" % cmd), res
        out[cmd] = options(res.out)
    return out


@pytest.fixture(scope="module")
def page():
    with open(man_path(), encoding="utf-8") as f:
        roff = f.read()
    return roff, sections(roff)


# ---- the checker itself -------------------------------------------------------------

def test_option_pattern():
    text = "--out DIR [--cnf-jkt-of KEY] -h, TOKEN|- RSA-OAEP-256 P-256 A128CBC-HS256 (--alg"
    assert options(text) == {"--out", "--cnf-jkt-of", "-h", "--alg"}


def test_roff_reading():
    assert plain(r".BI \-\-kid " + '" KID"') .split() == ["--kid", "KID"]
    assert options(plain(r".RB [ \-\-alg")) == {"--alg"}
    assert plain(r'.\" --not-an-option') == ""
    lines = [".TP", r".BI \-\-out " + '" DIR"', "The folder.", ".TP", ".B 0", "Success."]
    assert tagged_options(lines) == {"--out"}
    ex = ["auth0\\-jwt keygen \\-\\-out k", "X=$(auth0\\-jwt mint \\-\\-key k \\e",
          "    \\-\\-aud a)", ".EE"]
    assert example_invocations(ex) == [("keygen", " --out k"), ("mint", " --key k  --aud a")]
    assert attributed_options("--jti x, as mint --cnf-jkt-of K", ["mint", "dpop"], "dpop") == \
        {"dpop": {"--jti"}, "mint": {"--cnf-jkt-of"}}


def test_the_help_lists_options(command_help):
    """Guards against a pattern that finds nothing and so passes everything."""
    assert {"--out", "--alg", "--kid"} <= command_help["keygen"]
    assert len(set().union(*command_help.values())) >= 30, command_help


# ---- help -> man page ---------------------------------------------------------------

def test_every_command_has_its_part(page, commands):
    _, ss = page[1]
    assert sorted(ss) == sorted(commands), "man page parts %s, --help commands %s" % (
        sorted(ss), sorted(commands))


def test_top_level_options_described(page, top_help):
    sh, _ = page[1]
    listed = options(top_help)
    assert {"-h", "--help", "--version"} <= listed, top_help
    described = tagged_options(sh["OPTIONS"])
    assert listed == described, "--help lists %s, OPTIONS describes %s" % (listed, described)


def test_every_command_option_described_in_its_part(page, command_help):
    _, ss = page[1]
    for cmd, listed in command_help.items():
        described = tagged_options(ss[cmd])
        missing = listed - described
        assert not missing, "auth0-jwt %s --help lists %s; its man page part does not describe " \
            "them" % (cmd, sorted(missing))


# ---- man page -> help ---------------------------------------------------------------

def attributed_options(text, commands, own):
    """{command: options} named in text: an option right after another command's
    name (`mint --cnf-jkt-of`, a cross-reference) is that command's, any other own's."""
    out = {}
    words = re.compile(r"(?:\b(%s)\s+)?" % "|".join(commands) + OPTION.pattern)
    for m in words.finditer(text):
        out.setdefault(m.group(1) or own, set()).add(m.group(2))
    return out


def test_command_parts_name_only_their_options(page, command_help):
    _, ss = page[1]
    for part, lines in ss.items():
        named = attributed_options("\n".join(plain(l) for l in lines), list(command_help), part)
        for cmd, opts in named.items():
            extra = opts - command_help[cmd] - {"--help"}
            assert not extra, "the man page's %s part names %s of %s, which `auth0-jwt %s " \
                "--help` does not list" % (part, sorted(extra), cmd, cmd)


def test_examples_use_real_options(page, command_help):
    sh, _ = page[1]
    calls = example_invocations(sh["EXAMPLES"])
    assert {c for c, _ in calls} >= {"keygen", "mint", "verify", "dpop", "encrypt"}, calls
    for cmd, args in calls:
        assert cmd in command_help, "EXAMPLES run an unknown command %s" % cmd
        extra = options(args) - command_help[cmd]
        assert not extra, "EXAMPLES give %s options it does not take: %s" % (cmd, sorted(extra))


def test_rest_of_page_names_no_unknown_option(page, top_help, command_help):
    sh, _ = page[1]
    known = options(top_help).union(*command_help.values())
    for name, lines in sh.items():
        if name == "EXAMPLES":
            continue  # checked command by command above (and it also runs curl)
        extra = options("\n".join(plain(l) for l in lines)) - known
        assert not extra, "section %s names options no --help lists: %s" % (name, sorted(extra))


def test_sections_present(page):
    sh, _ = page[1]
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS",
                 "EXAMPLES", "SEE ALSO"):
        assert name in sh, "the man page has no %s section" % name


# ---- formatting -----------------------------------------------------------------------

def test_groff_finds_nothing_to_warn_about():
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed (Debian package groff-base)")
    res = subprocess.run(["groff", "-man", "-ww", "-z", man_path()], capture_output=True,
                         text=True, timeout=60, check=False)
    assert res.returncode == 0 and res.stdout + res.stderr == "", res.stdout + res.stderr


def test_man_renders_without_warnings():
    if shutil.which("man") is None or shutil.which("groff") is None:
        pytest.skip("man or groff is not installed (Debian packages man-db, groff-base)")
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")
    res = subprocess.run(["man", "--warnings", "-l", man_path()], capture_output=True,
                         text=True, timeout=60, check=False, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr
    assert "auth0-jwt keygen" in res.stdout.replace("\u2010", "-")
