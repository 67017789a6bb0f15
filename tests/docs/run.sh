#!/bin/sh
# Runs the documentation and code-structure checks (tests/docs) once: make check
# runs it with AJ_TOP_SRCDIR and AJ_TOP_BUILDDIR set, also in a separate build
# tree (make distcheck). The checks need the module built; AJ_MODULE names it.
here=$(cd "$(dirname "$0")" && pwd)
: "${AJ_TOP_SRCDIR:=$(cd "$here/../.." && pwd)}"
: "${AJ_TOP_BUILDDIR:=$AJ_TOP_SRCDIR}"
: "${AJ_MODULE:=$AJ_TOP_BUILDDIR/.libs/mod_auth0_jwt.so}"
export AJ_TOP_SRCDIR AJ_TOP_BUILDDIR AJ_MODULE
export PYTHONDONTWRITEBYTECODE=1
if ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
    echo "tests/docs: SKIP: /usr/bin/python3 lacks pytest (apt-get install python3-pytest)" >&2
    exit 77
fi
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here" "$@"
