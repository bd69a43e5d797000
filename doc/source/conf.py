"""Sphinx configuration of nova's documentation."""

import os
import sys

# Build from the checkout, not from whatever nova may be installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

project = "nova"
copyright = "nova contributors"
author = "nova contributors"

extensions = [
    "oslo_config.sphinxext",   # .. show-options::
    "oslo_policy.sphinxext",   # .. show-policy::
]

root_doc = "index"
exclude_patterns = ["_build"]
pygments_style = "sphinx"
html_theme = "alabaster"
html_title = "nova: OpenStack Compute"
html_static_path = []
