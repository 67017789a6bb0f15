#!/bin/sh
# Runs the CLI / interoperability pytest suite once (no httpd needed).
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here"
