"""pytest glue for the browser tests: the integration harness's fixtures and
hooks (tests/integration/conftest.py, ajtest.py), loaded under another module
name so that this folder reuses them without copying them."""

import importlib.util
import os
import sys

INTEGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "integration")
sys.path.insert(0, INTEGRATION)

_spec = importlib.util.spec_from_file_location("aj_integration_conftest",
                                               os.path.join(INTEGRATION, "conftest.py"))
_glue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_glue)
globals().update({name: value for name, value in vars(_glue).items()
                  if not name.startswith("__")})
