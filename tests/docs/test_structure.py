"""The shape of the code, checked rather than hoped for (issue 14): the glue
object files depend on each other as a tree (no cycle), mod_auth0_jwt.c exports
nothing but the module record, each glue file has its own header, no comment
cites a document that is not in the repository, and README.md's layout table
names every glue file there is."""

import glob
import os
import re
import subprocess

import pytest

TOP = os.environ.get("AJ_TOP_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("AJ_TOP_BUILDDIR") or TOP
MODULE_RECORD = "auth0_jwt_module"  # every glue file uses it: httpd's convention


def glue_sources():
    return sorted(f for f in os.listdir(TOP) if re.fullmatch(r"mod_auth0_jwt(_\w+)?\.c", f))


def symbols(obj):
    """(defined globals, undefined auth0_jwt_* symbols) of an object file."""
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDRBC":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U" and parts[1].startswith("auth0_jwt"):
            used.add(parts[1])
    return defined, used


def dependency_graph():
    """{file: set of files it uses a symbol of}, the module record left out."""
    defs, uses = {}, {}
    for c in glue_sources():
        obj = os.path.join(BUILD, ".libs", "mod_auth0_jwt_la-%s.o" % c[:-2])
        assert os.path.exists(obj), "%s not built: run make first" % obj
        defs[c], uses[c] = symbols(obj)
    owner = {sym: c for c, syms in defs.items() for sym in syms}
    graph = {}
    for c, used in uses.items():
        missing = {s for s in used if s not in owner}
        assert not missing, "%s uses symbols no glue file defines: %s" % (c, sorted(missing))
        graph[c] = {owner[s] for s in used if s != MODULE_RECORD} - {c}
    return graph, defs


def find_cycle(graph):
    """A list of files forming a cycle, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    """The checker itself: a cycle is reported, a tree is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_glue_files_depend_as_a_tree():
    graph, _ = dependency_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "the glue files call each other in a circle: " + " -> ".join(cycle)
    # and the module file is the root: nothing depends on it
    used = set().union(*graph.values())
    assert "mod_auth0_jwt.c" not in used, {c for c, d in graph.items() if "mod_auth0_jwt.c" in d}


def test_module_file_exports_only_the_module_record():
    _, defs = dependency_graph()
    assert defs["mod_auth0_jwt.c"] == {MODULE_RECORD}, sorted(defs["mod_auth0_jwt.c"])


def test_each_glue_file_has_its_own_header():
    for c in glue_sources():
        if c == "mod_auth0_jwt.c":
            continue  # the module record: declared in mod_auth0_jwt_private.h
        header = c[:-2] + ".h"
        assert os.path.exists(os.path.join(TOP, header)), "%s has no header %s" % (c, header)
        with open(os.path.join(TOP, c)) as f:
            text = f.read()
        assert '#include "%s"' % header in text, "%s does not include its own header" % c
        if re.search(r"\bap_log_|\bauth0_jwt_module\b|ap_get_module_config", text):
            assert '#include "mod_auth0_jwt_private.h"' in text, c
    assert not os.path.exists(os.path.join(TOP, "mod_auth0_jwt.h")), "the old all-in-one header"


SHARED_LAYOUT = ("auth0_jwt_slot", "auth0_jwt_rec")


def test_shared_memory_layout_only_where_used():
    """The shared-memory and socache record layouts are visible only to the files
    that read or write them."""
    for c in glue_sources():
        with open(os.path.join(TOP, c)) as f:
            text = f.read()
        includes = '#include "mod_auth0_jwt_shared_layout.h"' in text
        uses = any(re.search(r"\b%s\b" % t, text) for t in SHARED_LAYOUT)
        assert includes == uses, "%s: includes the shared layout %s, uses it %s" % (
            c, includes, uses)


CITATION = re.compile(r"\bspec(?:ification)? (?:section|§)\s*\d|\bSPEC\.md|\.\./shared",
                      re.IGNORECASE)


def repository_files():
    """The repository's text files: git's list in a clone, else (an unpacked
    release tarball) every file under the top but the build's own."""
    out = subprocess.run(["git", "-C", TOP, "ls-files"], capture_output=True, text=True,
                         check=False).stdout.split()
    if not out:
        for root, dirs, files in os.walk(TOP):
            dirs[:] = [d for d in dirs if d not in (".git", ".libs", ".deps", "autom4te.cache",
                                                    "build-aux", "m4", "__pycache__")]
            out += [os.path.relpath(os.path.join(root, f), TOP) for f in files]
    return [f for f in out if re.search(r"\.(c|h|py|sh|am|ac|md)$", f) or f == ".ci/run"]


def test_citation_pattern_matches():
    assert CITATION.search("the rules of spec section 5.4")
    assert CITATION.search("see " + os.path.join("..", "shared", "notes.md"))
    assert not CITATION.search("docs/validation.md, section 4")


def test_no_citation_of_documents_outside_the_repository():
    bad = []
    for rel in repository_files():
        if rel == "tests/docs/test_structure.py":
            continue  # the pattern itself
        with open(os.path.join(TOP, rel), errors="replace") as f:
            for n, line in enumerate(f, 1):
                if CITATION.search(line):
                    bad.append("%s:%d: %s" % (rel, n, line.strip()[:100]))
    assert not bad, "\n".join(bad)


def readme_layout():
    """Paths named in the first column of README.md's layout table."""
    with open(os.path.join(TOP, "README.md")) as f:
        text = f.read()
    m = re.search(r"^\| path \| what \|\n\|---\|---\|\n((?:\|.*\n)+)", text, re.M)
    assert m, "README.md has no `| path | what |` layout table"
    named = []
    for row in m.group(1).splitlines():
        first = row.split("|")[1]
        named += re.findall(r"`([^`]+)`", first)
    return named


def test_readme_layout_matches_the_tree():
    named = readme_layout()
    for path in named:
        assert glob.glob(os.path.join(TOP, path.rstrip("/"))), \
            "README.md's layout names %s, which is not in the tree" % path
    for f in sorted(os.listdir(TOP)):
        if re.fullmatch(r"mod_auth0_jwt(_\w+)?\.[ch]", f):
            assert f in named, "README.md's layout table does not name %s" % f


if __name__ == "__main__":
    pytest.main([__file__])
