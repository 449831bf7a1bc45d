"""Synthetic Soul: a plugin-based framework for companion agents with an inner life.

Plugin authors need one name from here: ``hookimpl``, the marker for hook implementations.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

PROJECT_NAME = "soul_framework"
"""The pluggy project name and the entry-point group plugins are declared in."""

API_VERSION = "1.2.0"
"""The version of the /v1 wire contract this framework serves."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a function of a plugin module as the implementation of a hook."""

try:
    __version__ = version("synthetic-soul")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["API_VERSION", "PROJECT_NAME", "__version__", "hookimpl"]
