"""Self-checks that keep docs/directives.md and the configuration code honest.

Run from the repository top with Debian's python3 (it has python3-pytest):

    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/docs

What is checked (tests/docs/README.md says more):

1. The directives the built module registers, as httpd itself lists them with
   `apache2 -L`, are exactly the directives docs/directives.md has a section
   for, and the context each section states matches where httpd allows it.
2. Every field of the per-directory and per-server configuration structs is
   merged by the merge function, and the fields whose "unset" value is the
   AUTH0_JWT_UNSET sentinel are set to it by the create function (the others
   rely on the zero-filling allocation).
3. Every directive section of docs/directives.md, and its row of the summary
   table, names a default; the numeric and string defaults the code annotates
   with a directive name equal the documented ones.

Each checker is a plain function returning a list of problems. The tests named
`test_mutation_*` feed the checkers altered copies of the real inputs and
assert that the alteration is reported, so none of the checks can pass
vacuously.

Environment: AJ_MODULE (default <repo>/.libs/mod_auth0_jwt.so), AJ_HTTPD
(default /usr/sbin/apache2), AJ_MODULES_DIR (default /usr/lib/apache2/modules).
A missing module or httpd is a failure, never a skip.
"""

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DIRECTIVES_MD = os.path.join(REPO, "docs", "directives.md")
HTTPD = os.environ.get("AJ_HTTPD") or "/usr/sbin/apache2"
MODULES_DIR = os.environ.get("AJ_MODULES_DIR") or "/usr/lib/apache2/modules"
MODULE = os.environ.get("AJ_MODULE") or os.path.join(REPO, ".libs", "mod_auth0_jwt.so")

# Stock modules loaded beside ours for `apache2 -L`: an MPM (httpd refuses to
# read a configuration without one), the two auth cores our module works with,
# and the socache provider its default Auth0Cache names.
STOCK_MODULES = ("mpm_event", "authn_core", "authz_core", "socache_shmcb")

DIR_STRUCT = "auth0_jwt_dir_conf"
SRV_STRUCT = "auth0_jwt_srv_conf"
CONFIG_C = "mod_auth0_jwt_config.c"


# --------------------------------------------------------------------------
# httpd: the registered directives
# --------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def compiled_in_modules():
    """Source names of the modules built into httpd (`apache2 -l`)."""
    out = subprocess.run([HTTPD, "-l"], capture_output=True, text=True, timeout=60,
                         check=False)
    return {line.strip() for line in out.stdout.splitlines() if line.strip().endswith(".c")}


def minimal_config(root, module_path, port):
    """A configuration just complete enough for httpd to load our module."""
    static = compiled_in_modules()
    lines = ['ServerRoot "%s"' % root]
    for name in STOCK_MODULES:
        if "mod_%s.c" % name in static:
            continue
        so = os.path.join(MODULES_DIR, "mod_%s.so" % name)
        if not os.path.isfile(so):
            raise AssertionError("stock module %s is neither compiled into %s nor at %s"
                                 % (name, HTTPD, so))
        lines.append("LoadModule %s_module %s" % (name, so))
    lines += [
        "LoadModule auth0_jwt_module %s" % module_path,
        "Listen 127.0.0.1:%d" % port,
        "ServerName 127.0.0.1",
        "PidFile %s/logs/httpd.pid" % root,
        "DefaultRuntimeDir %s/run" % root,
        "Mutex file:%s/run default" % root,
        "ErrorLog %s/logs/error_log" % root,
        "",
    ]
    return "\n".join(lines)


def run_httpd_L(module_path):
    """`apache2 -L` in a throw-away ServerRoot with our module loaded."""
    root = tempfile.mkdtemp(prefix="aj-docs-")
    try:
        for sub in ("logs", "run"):
            os.makedirs(os.path.join(root, sub))
        conf = os.path.join(root, "httpd.conf")
        with open(conf, "w") as f:
            f.write(minimal_config(root, module_path, free_port()))
        out = subprocess.run([HTTPD, "-d", root, "-f", conf, "-L"], capture_output=True,
                             text=True, timeout=60, check=False)
        assert out.returncode == 0, ("%s -L failed (exit %d):\n%s%s"
                                     % (HTTPD, out.returncode, out.stdout, out.stderr))
        return out.stdout
    finally:
        shutil.rmtree(root, ignore_errors=True)


def parse_httpd_L(text):
    """[(directive, module source, context text)] from `apache2 -L` output.

    Each directive is a line `Name (mod_x.c)` in column 0, followed by
    tab-indented lines: the help text, then "Allowed in ..." (which may wrap
    onto one more indented line)."""
    entries = []
    current = None
    for line in text.splitlines():
        m = re.match(r"^(\S+) \(([^)]+)\)\s*$", line)
        if m:
            current = [m.group(1), m.group(2), []]
            entries.append(current)
        elif current is not None and line.startswith(("\t", " ")):
            current[2].append(line.strip())
    result = []
    for name, source, body in entries:
        allowed = ""
        for i, part in enumerate(body):
            if part.startswith("Allowed in"):
                allowed = " ".join(body[i:])
                break
        result.append((name, source, allowed))
    return result


def module_directives(entries, source_prefix="mod_auth0_jwt"):
    """{name: context text} of the directives our module registers."""
    return {name: ctx for name, source, ctx in entries if source.startswith(source_prefix)}


def httpd_context(text):
    """(server, directory sections, .htaccess) allowed, from an "Allowed in" text."""
    if not text:
        return None
    server = "only inside" not in text
    directory = "anywhere" in text or "only inside" in text
    htaccess = "in .htaccess" in text
    return (server, directory, htaccess)


# --------------------------------------------------------------------------
# docs/directives.md
# --------------------------------------------------------------------------

def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def doc_sections(md):
    """{directive: {"heading", "syntax", "default", "context"}} for every `## ` heading.

    The fields come from the paragraph that holds `**Syntax:**`, split on the
    ` · ` separators; a field the paragraph lacks is None."""
    sections = {}
    parts = re.split(r"^## +(.+?)\s*$", md, flags=re.M)
    # parts: [before, heading1, body1, heading2, body2, ...]
    for heading, body in zip(parts[1::2], parts[2::2]):
        body = re.split(r"^---\s*$", body, maxsplit=1, flags=re.M)[0]
        name = heading.split()[0]
        fields = {"heading": heading, "syntax": None, "default": None, "context": None}
        for para in re.split(r"\n\s*\n", body):
            if "**Syntax:**" not in para:
                continue
            joined = " ".join(line.strip() for line in para.splitlines())
            for field in re.split(r"\s+·\s+", joined):
                m = re.match(r"\*\*(\w+):\*\*\s*(.*)$", field.strip())
                if m and m.group(1).lower() in fields:
                    fields[m.group(1).lower()] = m.group(2).strip()
            break
        sections[name] = fields
    return sections


def documented_directives(md):
    """Names of the directive sections: the `## ` headings whose first word starts with Auth0."""
    return {name for name in doc_sections(md) if name.startswith("Auth0")}


def summary_table(md):
    """{directive: {"default", "context"}} from the table under `## Summary`."""
    m = re.search(r"^## Summary\s*$(.*?)(?=^## |^---)", md, flags=re.M | re.S)
    assert m, "docs/directives.md has no '## Summary' section"
    rows = {}
    for line in m.group(1).splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) < 3:
            continue
        name = cells[0].strip("`").split()[0]
        rows[name] = {"default": cells[1], "context": cells[2]}
    return rows


def doc_context(text):
    """(server, directory sections, .htaccess) from a documented context, or None.

    Understands the forms the page uses: "all"; "server config only";
    "server config, virtual host, `<Directory>`, `<Location>`; never
    `.htaccess`"; "directory, `.htaccess`". Parenthesised remarks are ignored,
    and ".htaccess" preceded by not/never/no counts as refused."""
    if not text:
        return None
    t = re.sub(r"\([^)]*\)", "", text).replace("`", "").lower().strip()
    if t == "all":
        return (True, True, True)
    server = "server config" in t
    directory = bool(re.search(r"\bdirectory\b|<directory>|<location>", t))
    htaccess = ".htaccess" in t and not re.search(r"\b(not|never|no)\s+\.htaccess", t)
    if not (server or directory or htaccess):
        return None
    return (server, directory, htaccess)


def describe(ctx):
    if ctx is None:
        return "unreadable"
    names = ("server config/virtual host", "directory sections", ".htaccess")
    return ", ".join(n for n, on in zip(names, ctx) if on) or "nowhere"


# --------------------------------------------------------------------------
# the comparisons (each returns a list of problems)
# --------------------------------------------------------------------------

def compare_directive_sets(registered, documented):
    problems = []
    for name in sorted(set(registered) - set(documented)):
        problems.append("%s is registered by the module but has no '## %s' section in "
                        "docs/directives.md" % (name, name))
    for name in sorted(set(documented) - set(registered)):
        problems.append("docs/directives.md has a '## %s' section but the module registers "
                        "no such directive" % name)
    return problems


def check_contexts(registered, sections, table):
    """registered: {name: "Allowed in ..." text} for every directive of our module."""
    problems = []
    for name, allowed in sorted(registered.items()):
        want = httpd_context(allowed)
        if want is None:
            problems.append("%s: apache2 -L printed no 'Allowed in' line" % name)
            continue
        sec = sections.get(name)
        if sec is None:
            continue  # reported by compare_directive_sets
        got = doc_context(sec["context"])
        if got != want:
            problems.append("%s: its section says Context %r (%s), httpd allows it in: %s (%r)"
                            % (name, sec["context"], describe(got), describe(want), allowed))
        row = table.get(name)
        if name.startswith("Auth0"):
            if row is None:
                problems.append("%s has no row in the Summary table" % name)
            elif doc_context(row["context"]) != want:
                problems.append("%s: the Summary table says context %r (%s), httpd allows it "
                                "in: %s" % (name, row["context"],
                                            describe(doc_context(row["context"])),
                                            describe(want)))
    return problems


def check_defaults_present(names, sections, table):
    problems = []
    for name in sorted(names):
        sec = sections.get(name)
        if sec is None:
            continue  # reported by compare_directive_sets
        if not sec["syntax"]:
            problems.append("%s: its section has no **Syntax:** line" % name)
        elif sec["syntax"].strip("`").split()[0] != name:
            problems.append("%s: its **Syntax:** line names %r" % (name, sec["syntax"]))
        if not sec["default"]:
            problems.append("%s: its section names no **Default:**" % name)
        row = table.get(name)
        if row is None:
            problems.append("%s has no row in the Summary table" % name)
        elif not row["default"]:
            problems.append("%s: its Summary table row has an empty default" % name)
    return problems


# --------------------------------------------------------------------------
# C sources
# --------------------------------------------------------------------------

def c_sources(repo=REPO):
    """{file name: text} of the module's own C files at the repository top."""
    files = {}
    for path in sorted(glob.glob(os.path.join(repo, "mod_auth0_jwt*.[ch]"))):
        files[os.path.basename(path)] = read(path)
    return files


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: " " + "\n" * m.group(0).count("\n"), text,
                  flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def matching_brace(text, open_at):
    """Index of the `}` that closes the `{` at open_at."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced braces")


def find_structs(sources, typedef_name):
    """[(file, raw body)] of every definition of `typedef struct ... typedef_name;`.

    Handles `typedef struct [tag] { ... } name;` and `typedef struct tag name;`
    with `struct tag { ... };` elsewhere. The raw body keeps its comments."""
    found = []
    tags = set()
    for fname, text in sources.items():
        if not fname.endswith(".h"):
            continue
        for m in re.finditer(r"\btypedef\s+struct\s*(\w*)\s*\{", text):
            end = matching_brace(text, m.end() - 1)
            after = re.match(r"\s*(\w+)\s*;", text[end + 1:])
            if after and after.group(1) == typedef_name:
                found.append((fname, text[m.end():end]))
        for m in re.finditer(r"\btypedef\s+struct\s+(\w+)\s+%s\s*;" % re.escape(typedef_name),
                             text):
            tags.add(m.group(1))
    for tag in tags:
        for fname, text in sources.items():
            if not fname.endswith(".h"):
                continue
            for m in re.finditer(r"\bstruct\s+%s\s*\{" % re.escape(tag), text):
                end = matching_brace(text, m.end() - 1)
                found.append((fname, text[m.end():end]))
    return found


def parse_fields(raw_body):
    """[(name, type text, pointer?, comment)] of a struct body (nested blocks skipped)."""
    comments = {}
    for line in raw_body.splitlines():
        m = re.search(r"(\w+)\s*(?:\[[^\]]*\])?\s*;\s*/\*(.*?)\*/", line)
        if m:
            comments[m.group(1)] = m.group(2).strip()
    body = strip_comments(raw_body)
    body = "\n".join(l for l in body.splitlines() if not l.strip().startswith("#"))
    # drop nested struct/union bodies, keep the member name after them
    while True:
        m = re.search(r"\{", body)
        if not m:
            break
        end = matching_brace(body, m.start())
        body = body[:m.start()] + body[end + 1:]
    fields = []
    for decl in body.split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
        if fp:
            fields.append((fp.group(1), decl, True, comments.get(fp.group(1), "")))
            continue
        decl = re.sub(r"\[[^\]]*\]", "", decl)
        decl = re.sub(r":\s*\d+", "", decl)
        first, *rest = [d.strip() for d in decl.split(",")]
        m = re.match(r"^(.*?)([\s\*]*)(\w+)$", first)
        if not m:
            continue
        base, name = m.group(1).strip(), m.group(3)
        fields.append((name, base, "*" in m.group(2), comments.get(name, "")))
        for d in rest:
            m = re.match(r"^(\**)\s*(\w+)$", d)
            if m:
                fields.append((m.group(2), base, bool(m.group(1)), comments.get(m.group(2), "")))
    return fields


INT_TYPE = re.compile(r"\b(int|long|short|unsigned|signed|size_t|apr_size_t|apr_off_t|"
                      r"apr_time_t|apr_u?int\d+_t|u?int\d+_t)\b")


def is_int_field(field):
    name, base, pointer, _ = field
    return not pointer and bool(INT_TYPE.search(base))


def function_macros(sources):
    """{name: (params, body)} of the one-line function-like #defines in the sources."""
    macros = {}
    for text in sources.values():
        text = re.sub(r"\\\n", " ", text)
        for m in re.finditer(r"^\s*#\s*define\s+(\w+)\(([^)]*)\)\s*(.*)$", text, flags=re.M):
            params = [p.strip() for p in m.group(2).split(",") if p.strip()]
            macros[m.group(1)] = (params, strip_comments(m.group(3)).strip())
    return macros


def sentinels(sources):
    """Names of the "unset" sentinel macros (#define X_UNSET (-1))."""
    names = set()
    for text in sources.values():
        for m in re.finditer(r"^\s*#\s*define\s+(\w*UNSET\w*)\s+\(?\s*-\s*1\s*\)?", text,
                             flags=re.M):
            names.add(m.group(1))
    return names


def split_args(text, start):
    """(args, index after the closing paren) for the call whose `(` is at start."""
    depth, args, cur = 0, [], ""
    for i in range(start, len(text)):
        c = text[i]
        if c == "(":
            depth += 1
            if depth == 1:
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args, i + 1
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            continue
        cur += c
    raise ValueError("unbalanced parentheses")


def expand_macros(text, macros, rounds=4):
    for _ in range(rounds):
        changed = False
        for name, (params, body) in macros.items():
            out, pos = "", 0
            for m in re.finditer(r"\b%s\s*\(" % re.escape(name), text):
                if m.start() < pos:
                    continue
                args, end = split_args(text, m.end() - 1)
                repl = body
                for p, a in zip(params, args):
                    repl = re.sub(r"\b%s\b" % re.escape(p), lambda _m, a=a: a, repl)
                out += text[pos:m.start()] + repl
                pos = end
                changed = True
            text = out + text[pos:]
        if not changed:
            break
    return text


def find_function(sources, pattern, prefer=CONFIG_C):
    """(file, name, body) of the one function definition whose name matches pattern."""
    hits = []
    for fname, text in sources.items():
        if not fname.endswith(".c"):
            continue
        clean = strip_comments(text)
        for m in re.finditer(r"^[A-Za-z_][\w \t\*]*?\b(\w*(?:%s)\w*)\s*\(([^;{}]*?)\)\s*\{"
                             % pattern, clean, flags=re.M):
            end = matching_brace(clean, m.end() - 1)
            hits.append((fname, m.group(1), clean[m.end():end]))
    preferred = [h for h in hits if h[0] == prefer]
    if len(preferred) == 1:
        return preferred[0]
    assert len(hits) == 1, ("expected one function matching /%s/ in mod_auth0_jwt*.c, found %s"
                            % (pattern, [(h[0], h[1]) for h in hits] or "none"))
    return hits[0]


def field_use(body, field, sentinel_names):
    """How a merge body treats one field: (assigned, sentinel compared, zero tested)."""
    f = re.escape(field)
    ref = r"(?:\b\w+\s*->\s*|\.\s*)%s\b" % f
    assigned = bool(re.search(ref + r"\s*=(?!=)", body))
    sent = "|".join(re.escape(s) for s in sentinel_names) or r"(?!x)x"
    compared = bool(re.search(ref + r"\s*[!=]=\s*\(?\s*(?:%s)\b" % sent, body) or
                    re.search(r"\b(?:%s)\s*\)?\s*[!=]=\s*" % sent + ref, body))
    zero = bool(re.search(ref + r"\s*(?:\?|\|\||&&|\)|[!=]=\s*(?:0|NULL)\b)", body) or
                re.search(r"!\s*" + ref, body))
    return assigned, compared, zero


def create_initialisation(body, sentinel_names):
    """(zero-filled?, fields set to a sentinel, fields set at all) in a create body."""
    zeroed = bool(re.search(r"\b(?:apr_pcalloc|pcalloc|calloc)\s*\(|"
                            r"\bmemset\s*\([^,]+,\s*0\s*,", body))
    to_sentinel, assigned = set(), set()
    for stmt in body.split(";"):
        targets = re.findall(r"(?:\b\w+\s*->\s*|\.\s*)(\w+)\s*=(?!=)", stmt)
        assigned.update(targets)
        last = stmt.rsplit("=", 1)[-1].strip().strip("()").strip() if "=" in stmt else ""
        if last in sentinel_names:
            to_sentinel.update(targets)
    return zeroed, to_sentinel, assigned


def check_conf_struct(sources, typedef_name, merge_pattern, create_pattern):
    """Problems with how one configuration struct is created and merged."""
    problems = []
    defs = find_structs(sources, typedef_name)
    if not defs:
        return ["no `typedef struct {...} %s;` in any mod_auth0_jwt*.h" % typedef_name]
    fields, where = {}, {}
    for fname, raw in defs:
        for field in parse_fields(raw):
            fields.setdefault(field[0], field)
            where.setdefault(field[0], []).append(fname)
    if not fields:
        return ["%s: no fields could be read from %s" % (typedef_name, [d[0] for d in defs])]
    macros = function_macros(sources)
    sent = sentinels(sources)
    mfile, mname, mbody = find_function(sources, merge_pattern)
    cfile, cname, cbody = find_function(sources, create_pattern)
    mbody, cbody = expand_macros(mbody, macros), expand_macros(cbody, macros)
    for fn, body in ((mname, mbody), (cname, cbody)):
        if typedef_name not in body and "sizeof" not in body:
            problems.append("%s does not mention %s: is it the right function?"
                            % (fn, typedef_name))
    struct_copy = bool(re.search(r"\*\s*\w+\s*=\s*\*\s*\w+\s*;|\bmemcpy\s*\(", mbody))
    zeroed, to_sentinel, initialised = create_initialisation(cbody, sent)

    for name, field in sorted(fields.items()):
        decl = "%s.%s (declared in %s)" % (typedef_name, name, ", ".join(where[name]))
        assigned, compared, zero = field_use(mbody, name, sent)
        if not (assigned or struct_copy):
            problems.append("%s is never assigned in %s() (%s): an inner scope would lose it"
                            % (decl, mname, mfile))
        if not zeroed and name not in initialised:
            problems.append("%s is not initialised in %s() (%s), which does not zero-fill "
                            "the struct" % (decl, cname, cfile))
        if compared and name not in to_sentinel:
            problems.append("%s: %s() treats %s as 'unset' but %s() (%s) does not set it "
                            "to %s, so an unset scope reads as 0 and overrides the outer one"
                            % (decl, mname, "/".join(sorted(sent)), cname, cfile,
                               "/".join(sorted(sent))))
        if name in to_sentinel and not compared:
            problems.append("%s: %s() sets it to %s but %s() never compares it with that "
                            "sentinel, so an unset scope counts as set"
                            % (decl, cname, "/".join(sorted(sent)), mname))
        if name in to_sentinel and re.search(r"\b0\s*=\s*unset\b", field[3]):
            problems.append("%s: its comment says '0 = unset' but %s() sets it to %s"
                            % (decl, cname, "/".join(sorted(sent))))
        if is_int_field(field) and not compared and name not in to_sentinel and \
                not zero and not struct_copy:
            problems.append("%s is an integer whose unset value is 0 (zero-filled in %s()), "
                            "but %s() never tests it against 0, so an inner scope's 0 "
                            "always wins" % (decl, cname, mname))
    return problems


def code_defaults(sources):
    """{directive: value} from `#define NAME value /* Auth0Directive[: shown value] */`.

    Only a comment that is exactly a directive name (optionally followed by
    ": value") counts, so a limit such as `/* Auth0JWKSTimeout in an
    .htaccess, at most */` is not taken for a default. The value is the one
    after the colon when there is one, else an integer or string literal, else
    the last word of an enumerator (AUTH0_JWT_PASS_ENV gives "env")."""
    found = {}
    for text in sources.values():
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(\d+|\"[^\"\n]*\"|[A-Z][A-Z0-9_]*)"
                             r"[ \t]*/\*[ \t]*(Auth0\w+)[ \t]*(?::([^*]*))?\*/", text, flags=re.M):
            literal, directive, shown = m.group(2), m.group(3), m.group(4)
            if shown and shown.strip():
                value = shown.strip()
            elif literal[0] == '"':
                value = literal.strip('"')
            elif literal.isdigit():
                value = literal
            else:
                value = literal.rsplit("_", 1)[-1].lower()
            found[directive] = value
    return found


FLAG_WORDS = {"On": "1", "Off": "0"}


def check_default_values(code, sections):
    problems = []
    for name, value in sorted(code.items()):
        sec = sections.get(name)
        if sec is None or not sec["default"]:
            problems.append("%s: the code's default is %s but docs/directives.md has no "
                            "Default for it" % (name, value))
            continue
        shown = re.findall(r"`([^`]*)`", sec["default"])
        shown += [FLAG_WORDS[w] for w in shown if w in FLAG_WORDS]
        if value not in shown:
            problems.append("%s: the code's default is %s, docs/directives.md says Default: %s"
                            % (name, value, sec["default"]))
    return problems


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def httpd_L():
    if not (os.path.isfile(HTTPD) and os.access(HTTPD, os.X_OK)):
        pytest.fail("no httpd at %s (set AJ_HTTPD, or install Debian's apache2)" % HTTPD)
    if not os.path.isfile(MODULE):
        pytest.fail("no built module at %s (run make, or set AJ_MODULE)" % MODULE)
    return run_httpd_L(MODULE)


@pytest.fixture(scope="session")
def registered(httpd_L):
    regs = module_directives(parse_httpd_L(httpd_L))
    assert len(regs) >= 10, ("apache2 -L lists only %d directives for mod_auth0_jwt: %s"
                             % (len(regs), sorted(regs)))
    return regs


@pytest.fixture(scope="session")
def md():
    return read(DIRECTIVES_MD)


@pytest.fixture(scope="session")
def sources():
    src = c_sources()
    assert any(f.endswith(".h") for f in src), "no mod_auth0_jwt*.h in %s" % REPO
    assert CONFIG_C in src, "no %s in %s" % (CONFIG_C, REPO)
    return src


def fail_with(problems, what):
    assert not problems, "%s:\n  %s" % (what, "\n  ".join(problems))


def auth0_only(regs):
    return {n: c for n, c in regs.items() if n.startswith("Auth0")}


# --------------------------------------------------------------------------
# 1. registered directives == documented directives, contexts included
# --------------------------------------------------------------------------

def test_prerequisites_present():
    assert os.path.isfile(HTTPD) and os.access(HTTPD, os.X_OK), "no executable httpd at " + HTTPD
    assert os.path.isfile(MODULE), "no built module at %s (run make, or set AJ_MODULE)" % MODULE
    assert os.path.isfile(DIRECTIVES_MD), "no " + DIRECTIVES_MD


def test_every_auth0_directive_belongs_to_the_module(httpd_L):
    foreign = [(n, s) for n, s, _ in parse_httpd_L(httpd_L)
               if n.startswith("Auth0") and not s.startswith("mod_auth0_jwt")]
    assert not foreign, "Auth0* directives attributed to another module: %s" % foreign


def test_registered_directives_are_documented(registered, md):
    documented = documented_directives(md)
    assert len(documented) >= 10, "only %d Auth0 sections found in docs/directives.md" % len(
        documented)
    fail_with(compare_directive_sets(auth0_only(registered), documented),
              "apache2 -L and docs/directives.md disagree")


def test_other_directives_the_module_hooks_are_documented(registered, md):
    """The module also registers AuthType (to note `AuthType Auth0`): its section must exist."""
    sections = doc_sections(md)
    others = sorted(n for n in registered if not n.startswith("Auth0"))
    missing = [n for n in others if n not in sections]
    assert not missing, ("the module registers %s but docs/directives.md has no section "
                         "whose heading starts with it" % missing)


def test_documented_contexts_match_httpd(registered, md):
    fail_with(check_contexts(registered, doc_sections(md), summary_table(md)),
              "documented contexts differ from what httpd allows")


def test_summary_table_lists_exactly_the_directives(registered, md):
    rows = {n for n in summary_table(md) if n.startswith("Auth0")}
    problems = ["%s is registered but has no Summary table row" % n
                for n in sorted(set(auth0_only(registered)) - rows)]
    problems += ["the Summary table lists %s, which the module does not register" % n
                 for n in sorted(rows - set(auth0_only(registered)))]
    fail_with(problems, "Summary table of docs/directives.md")


# --------------------------------------------------------------------------
# 2. configuration structs: merged and initialised
# --------------------------------------------------------------------------

def test_dir_conf_fields_merged_and_initialised(sources):
    fail_with(check_conf_struct(sources, DIR_STRUCT, r"merge_dir_conf", r"create_dir_conf"),
              DIR_STRUCT)


def test_srv_conf_fields_merged_and_initialised(sources):
    fail_with(check_conf_struct(sources, SRV_STRUCT, r"merge_(?:srv|server)_conf",
                                r"create_(?:srv|server)_conf"), SRV_STRUCT)


def test_dir_conf_parser_sees_the_real_struct(sources):
    """Guards the parser itself: the struct has many fields, some of them sentinel ints."""
    fields = {}
    for _, raw in find_structs(sources, DIR_STRUCT):
        fields.update({f[0]: f for f in parse_fields(raw)})
    assert len(fields) >= 10, "parsed only %s from %s" % (sorted(fields), DIR_STRUCT)
    _, _, cbody = find_function(sources, "create_dir_conf")
    _, to_sentinel, _ = create_initialisation(expand_macros(cbody, function_macros(sources)),
                                              sentinels(sources))
    assert to_sentinel, "create_dir_conf sets no field to the unset sentinel (parser broken?)"
    assert to_sentinel <= set(fields), "sentinel fields %s not in the struct" % (
        sorted(to_sentinel - set(fields)))


# --------------------------------------------------------------------------
# 3. defaults
# --------------------------------------------------------------------------

def test_every_directive_names_a_default(registered, md):
    fail_with(check_defaults_present(auth0_only(registered), doc_sections(md),
                                     summary_table(md)),
              "docs/directives.md defaults")


def test_code_defaults_match_the_docs(sources, md):
    code = code_defaults(sources)
    assert len(code) >= 5, ("found only %s as `#define NAME value /* Auth0Name */` in "
                            "mod_auth0_jwt*.[ch]; the defaults moved or lost their "
                            "directive comments: update code_defaults()" % code)
    fail_with(check_default_values(code, doc_sections(md)), "defaults in code and docs differ")


# --------------------------------------------------------------------------
# mutation tests: every checker reports a deliberate break of the real inputs
# --------------------------------------------------------------------------

def drop_section(md, name):
    out = re.sub(r"^## %s\b.*?(?=^## |^---)" % re.escape(name), "", md, count=1,
                 flags=re.M | re.S)
    assert out != md, "mutation did not apply"
    return out


def edit_field(md, name, field, value):
    """md with the **field:** of directive name's Syntax paragraph set to value (None drops it)."""
    m = re.search(r"^## %s\b.*?\n\n(?=\*\*Syntax:\*\*)" % re.escape(name), md, flags=re.M | re.S)
    assert m, "no section for %s" % name
    end = md.find("\n\n", m.end())
    para = md[m.end():end]
    pattern = r"(\s+·\s+)?\*\*%s:\*\*.*?(?=\s+·\s+\*\*|\Z)" % field
    if value is None:
        new = re.sub(pattern, "", para, count=1, flags=re.S)
    else:
        new = re.sub(pattern, lambda g: (g.group(1) or "") + "**%s:** %s" % (field, value), para,
                     count=1, flags=re.S)
    assert new != para, "mutation of %s's %s did not apply" % (name, field)
    return md[:m.end()] + new + md[end:]


def test_mutation_undocumented_directive_is_reported(registered, md):
    problems = compare_directive_sets(auth0_only(registered),
                                      documented_directives(drop_section(md, "Auth0Proxy")))
    assert any("Auth0Proxy is registered" in p for p in problems), problems


def test_mutation_unregistered_directive_is_reported(registered, md):
    regs = auth0_only(registered)
    del regs["Auth0ClockSkew"]
    problems = compare_directive_sets(regs, documented_directives(md))
    assert any("'## Auth0ClockSkew' section but the module registers no" in p
               for p in problems), problems


def test_mutation_missing_block_in_httpd_L_is_reported(httpd_L, md):
    text = re.sub(r"^Auth0JWKSTimeout \(mod_auth0_jwt[^\n]*\n(\t[^\n]*\n)*", "", httpd_L,
                  flags=re.M)
    assert text != httpd_L
    regs = auth0_only(module_directives(parse_httpd_L(text)))
    problems = compare_directive_sets(regs, documented_directives(md))
    assert problems == ["docs/directives.md has a '## Auth0JWKSTimeout' section but the "
                        "module registers no such directive"], problems


def test_mutation_wrong_context_is_reported(registered, md):
    bad = edit_field(md, "Auth0Cache", "Context", "all")
    problems = check_contexts(registered, doc_sections(bad), summary_table(bad))
    assert any(p.startswith("Auth0Cache: its section says Context 'all'") for p in problems), \
        problems
    bad = edit_field(md, "Auth0CACertificateFile", "Context", "server config, virtual host")
    problems = check_contexts(registered, doc_sections(bad), summary_table(bad))
    assert any(p.startswith("Auth0CACertificateFile: its section says") for p in problems), \
        problems
    # and in the Summary table
    bad = re.sub(r"^(\| `Auth0Proxy [^|]*\| [^|]*\| ).*$", r"\1all |", md, count=1, flags=re.M)
    assert bad != md
    problems = check_contexts(registered, doc_sections(bad), summary_table(bad))
    assert any(p.startswith("Auth0Proxy: the Summary table says context 'all'")
               for p in problems), problems


def test_mutation_httpd_context_change_is_reported(httpd_L, md):
    text = re.sub(r"(^Auth0Domain \(mod_auth0_jwt[^\n]*\n\t[^\n]*\n)\tAllowed in[^\n]*\n"
                  r"\twhen[^\n]*\n", r"\1\tAllowed in *.conf anywhere\n", httpd_L, flags=re.M)
    assert text != httpd_L
    problems = check_contexts(module_directives(parse_httpd_L(text)), doc_sections(md),
                              summary_table(md))
    assert any(p.startswith("Auth0Domain: its section says Context 'all'") for p in problems), \
        problems


def test_doc_context_reader():
    assert doc_context("all") == (True, True, True)
    assert doc_context("server config only") == (True, False, False)
    assert doc_context("server config only (not `<VirtualHost>`, not directory, not "
                       "`.htaccess`)") == (True, False, False)
    assert doc_context("server config, virtual host, `<Directory>`, `<Location>`; never "
                       "`.htaccess` (refused)") == (True, True, False)
    assert doc_context("directory, `.htaccess`") == (False, True, True)
    assert doc_context("something else") is None
    assert httpd_context("Allowed in *.conf anywhere and in .htaccess when AllowOverride "
                         "includes AuthConfig") == (True, True, True)
    assert httpd_context("Allowed in *.conf only outside <Directory>, <Files>, <Location>, "
                         "or <If>") == (True, False, False)


def test_mutation_missing_default_is_reported(registered, md):
    bad = edit_field(md, "Auth0ClockSkew", "Default", None)
    problems = check_defaults_present(auth0_only(registered), doc_sections(bad),
                                      summary_table(bad))
    assert problems == ["Auth0ClockSkew: its section names no **Default:**"], problems
    bad = re.sub(r"^(\| `Auth0JWKSTimeout seconds` \|)[^|]*\|", r"\1 |", md, count=1,
                 flags=re.M)
    assert bad != md
    problems = check_defaults_present(auth0_only(registered), doc_sections(bad),
                                      summary_table(bad))
    assert problems == ["Auth0JWKSTimeout: its Summary table row has an empty default"], \
        problems


def test_mutation_wrong_default_value_is_reported(sources, md):
    bad = dict(sources)
    text = bad[CONFIG_C]
    new = re.sub(r"(#\s*define\s+\w+\s+)\d+(\s*/\*\s*Auth0ClockSkew\s*\*/)",
                 r"\g<1>7\2", text, count=1)
    assert new != text, "mutation did not apply (Auth0ClockSkew's default moved?)"
    bad[CONFIG_C] = new
    problems = check_default_values(code_defaults(bad), doc_sections(md))
    assert problems == ["Auth0ClockSkew: the code's default is 7, docs/directives.md says "
                        "Default: `5`"], problems


def test_mutation_new_field_not_merged_is_reported(sources):
    bad = dict(sources)
    for fname, _ in find_structs(sources, DIR_STRUCT):
        bad[fname] = re.sub(r"\}\s*%s\s*;" % DIR_STRUCT,
                            "    int brand_new_limit;\n} %s;" % DIR_STRUCT, bad[fname])
    assert bad != sources, "mutation did not apply"
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any(".brand_new_limit " in p and "is never assigned" in p for p in problems), \
        problems
    assert any(".brand_new_limit " in p and "is an integer whose unset value is 0" in p
               for p in problems), problems


def test_mutation_renamed_field_is_reported(sources):
    """A field renamed in the header but not in the merge function."""
    bad = dict(sources)
    for fname, _ in find_structs(sources, DIR_STRUCT):
        bad[fname] = re.sub(r"\bint cache_ttl;", "int keys_ttl;", bad[fname])
    assert bad != sources, "mutation did not apply (cache_ttl renamed?)"
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any("auth0_jwt_dir_conf.keys_ttl" in p and "never assigned" in p
               for p in problems), problems


def test_mutation_struct_moved_between_headers(sources):
    """The struct is found whichever mod_auth0_jwt*.h holds it, tagged or not."""
    moved = dict(sources)
    defs = find_structs(sources, DIR_STRUCT)
    raw_fields = defs[0][1]
    for fname, _ in defs:
        moved[fname] = re.sub(r"typedef\s+struct\s*\w*\s*\{[^{}]*\}\s*%s\s*;" % DIR_STRUCT, "",
                              moved[fname])
    assert not find_structs(moved, DIR_STRUCT)
    assert check_conf_struct(moved, DIR_STRUCT, "merge_dir_conf", "create_dir_conf") == \
        ["no `typedef struct {...} %s;` in any mod_auth0_jwt*.h" % DIR_STRUCT]
    new_h = "mod_auth0_jwt_somewhere_new.h"
    for text in ("typedef struct {%s    int moved_knob;\n} %s;\n" % (raw_fields, DIR_STRUCT),
                 "struct aj_dir {%s    int moved_knob;\n};\ntypedef struct aj_dir %s;\n"
                 % (raw_fields, DIR_STRUCT)):
        moved[new_h] = text
        assert [d[0] for d in find_structs(moved, DIR_STRUCT)] == [new_h]
        problems = check_conf_struct(moved, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
        assert problems and all(".moved_knob (declared in %s)" % new_h in p for p in problems), \
            problems


def test_mutation_field_dropped_from_merge_is_reported(sources):
    bad = mutate_function(sources, "merge_dir_conf",
                          lambda b: re.sub(r"^[^\n]*\btimeout\b[^\n]*\n", "", b, count=1,
                                           flags=re.M))
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any(".timeout " in p and "never assigned" in p for p in problems), problems


def mutate_function(sources, pattern, fn):
    """A copy of sources with fn applied to the body of the function matching pattern."""
    fname, name, _ = find_function(sources, pattern)
    text = sources[fname]
    at = re.search(r"\b%s\s*\([^;{}]*\)\s*\{" % re.escape(name), text)
    start = at.end() - 1
    end = matching_brace(text, start)
    new_body = fn(text[start:end])
    assert new_body != text[start:end], "mutation of %s did not apply" % name
    bad = dict(sources)
    bad[fname] = text[:start] + new_body + text[end:]
    return bad


def test_mutation_sentinel_init_dropped_is_reported(sources):
    bad = mutate_function(sources, "create_dir_conf",
                          lambda b: re.sub(r"\b(\w+)\s*->\s*timeout\s*=\s*", "", b, count=1))
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any(".timeout " in p and "does not set it to" in p for p in problems), problems


def test_mutation_sentinel_on_zero_unset_field_is_reported(sources):
    """algs is 'unset' at 0: setting it to the sentinel in create is a bug."""
    bad = mutate_function(sources, "create_dir_conf",
                          lambda b: re.sub(r"\breturn\b", "c->algs = %s;\n    return"
                                           % sorted(sentinels(sources))[0], b, count=1))
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any(".algs " in p and "never compares it" in p for p in problems), problems
    assert any(".algs " in p and "'0 = unset'" in p for p in problems), problems


def test_mutation_no_zero_fill_is_reported(sources):
    bad = mutate_function(sources, "create_dir_conf",
                          lambda b: b.replace("apr_pcalloc", "apr_palloc", 1))
    problems = check_conf_struct(bad, DIR_STRUCT, "merge_dir_conf", "create_dir_conf")
    assert any(".domain " in p and "not initialised" in p for p in problems), problems


def test_mutation_srv_field_dropped_is_reported(sources):
    bad = mutate_function(sources, r"merge_(?:srv|server)_conf",
                          lambda b: re.sub(r"[^\n]*->\s*cache\s*=[^\n]*\n", "", b, count=1))
    problems = check_conf_struct(bad, SRV_STRUCT, r"merge_(?:srv|server)_conf",
                                 r"create_(?:srv|server)_conf")
    assert any("auth0_jwt_srv_conf.cache " in p and "never assigned" in p
               for p in problems), problems
