"""`mfdoctor explain KEY` for people."""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from .console import make_console


def _v(value) -> str:
    if value is None:
        return "(unset)"
    return value if isinstance(value, str) else json.dumps(value)


def render(info: dict, console: Console) -> None:
    p = console.print
    name = info["name"]
    for f in info.get("problems", []):  # a missing profile, a broken file: as `show` says
        p(Text("%s: %s" % (f["severity"], f["message"]), style="red" if f["severity"] == "error" else "yellow"))
    if not info["found"]:
        msg = "Unknown key %s: the installed Metaflow does not read it." % name
        if info.get("suggestion"):
            msg += " Did you mean %s?" % info["suggestion"]
        p(Text(msg, style="red"))
        return
    if info["kind"] != "config":
        p(Text(name, style="bold"))
        p("  %s" % info["text"])
        for l in info.get("layers", []):
            p("  set in %s %s = %s" % (l["source"], l["origin"], _v(l["value"])))
        return
    key = info["key"]
    p(Text(name, style="bold"))
    if info["section"]:
        p(Text("  section: %s   defined in: %s" % (info["section"], info["defined_in"]), style="dim"))
    if info["doc"]:
        for line in info["doc"].splitlines():
            p(Text("  " + line, style="italic"))
    p("  type: %s%s" % (info["type"], ("   allowed: " + ", ".join(info["choices"])) if info["choices"] else ""))
    p("  default: %s" % " ".join((info["default_expr"] or "None").split()))
    if info["condition"]:
        p("  only read when: %s" % info["condition"])
    p("")
    p(Text("  value: %s" % _v(key["value"]), style="bold"))
    if key.get("error"):
        p(Text("  ✗ Metaflow rejects it: %s" % key["error"], style="red"))
    p("  source: %s (%s) — %s" % (key["source"], key["origin"], info["why"]))
    p("")
    p("  layers, highest first:")
    for l in info["layers"]:
        mark = "→" if l["wins"] else " "
        val = "not set" if l.get("unset") else _v(l["value"])
        origin = " ".join(str(l["origin"]).split())
        p(Text("   %s %-12s %s = %s" % (mark, l["layer"], origin, val),
               style="bold" if l["wins"] else "dim" if l.get("unset") else ""))
    if info["derived_from"]:
        p("  default derived from: %s" % ", ".join(info["derived_from"]))
    if info["derived_to"]:
        p("  keys derived from it: %s" % ", ".join(info["derived_to"]))
    for n in key.get("notes", []):
        p("  note: %s" % n)
    p("")
    if info.get("set_env"):
        p("  set it in the environment:  %s" % info["set_env"])
        p("  or in a config file:        %s" % info["set_file"])
    else:
        p("  the Metaflow extension %s sets it, replacing any environment or config-file "
          "value: change it there" % info.get("overridden_by"))
    p(Text("    (project: %s; profile: %s)" % (info["files"]["local"] or "<repo>/.metaflow/config.json",
                                              info["files"]["profile"]), style="dim"))


def write(info: dict, out, options) -> None:
    render(info, make_console(file=out, no_color=options.no_color))
