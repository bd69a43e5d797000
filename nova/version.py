"""Version of this package."""

from importlib import metadata

_FALLBACK = "0.1.0"


def version_string():
    try:
        return metadata.version("nova")
    except metadata.PackageNotFoundError:
        return _FALLBACK
