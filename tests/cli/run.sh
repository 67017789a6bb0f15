#!/bin/sh
# Runs the CLI / interoperability pytest suite once (no httpd needed).
# Needs Debian's python3-pytest, python3-jwt and python3-cryptography; without them
# the suite is reported as skipped (exit 77, automake's SKIP) rather than failed.
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import pytest, jwt, cryptography' 2>/dev/null; then
    echo "tests/cli: SKIP: /usr/bin/python3 lacks pytest, jwt (python3-jwt) or cryptography" >&2
    echo "  apt-get install python3-pytest python3-jwt python3-cryptography" >&2
    exit 77
fi
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here" "$@"
