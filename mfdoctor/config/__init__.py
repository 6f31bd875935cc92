"""Config layers and resolution (see resolve.py)."""

from .resolve import LayerValue, Resolution, ResolvedKey, resolve

__all__ = ["LayerValue", "Resolution", "ResolvedKey", "resolve"]
