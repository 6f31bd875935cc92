"""How Metaflow's `resolve_plugins` reads an ENABLED_<CATEGORY> list: "-x" removes x,
"+x" and "x" add x. Read once here, for the resolution (which mirrors the load-time
error), the value checks (which restrict plugin choices to the enabled ones) and the
flow CLI's command groups (an extension's TOGGLE_CLI removes some)."""

from __future__ import annotations

from typing import Iterable, List, Tuple


def plugin_item(item: str) -> Tuple[bool, str]:
    """(adds, plugin name) of one list item: ("-x") -> (False, "x"), ("+x"/"x") -> (True, "x")."""
    if item.startswith("-"):
        return False, item[1:]
    return True, item[1:] if item.startswith("+") else item


def enabled_plugins(items: Iterable) -> List[str]:
    """The plugin names a list enables, in the order first added; items that are not
    strings are skipped (Metaflow fails on them: see the resolution's error)."""
    enabled: List[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        adds, name = plugin_item(item)
        if not adds:
            enabled = [e for e in enabled if e != name]
        elif name not in enabled:
            enabled.append(name)
    return enabled
