"""scandia: vectorized simulation of a scandium supply chain, from drill hole to aluminium alloy."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scandia")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
