"""`mfdoctor explain KEY` for people."""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from ..redact import printable
from ..findings import Finding
from .console import make_console
from .report_human import finding_lines
from .layout import output_width, wrap_text


def _v(value) -> str:
    if value is None:
        return "(unset)"
    return value if isinstance(value, str) else json.dumps(value)


def render(info: dict, console: Console, width=None) -> None:
    """Print `info` on `console`, each paragraph wrapped to `width` columns with a hanging
    indent (None: not wrapped)."""
    def p(item="", hang=None):
        text, style = (item.plain, str(item.style or "")) if isinstance(item, Text) else (item, "")
        # One line each, its control characters escaped: user data must not drive the terminal.
        text = printable(text)
        if not text:
            console.print()
            return
        indent = text[: len(text) - len(text.lstrip())]
        for line in wrap_text(text.lstrip(), width, indent=indent,
                              hang=hang if hang is not None else indent + "    "):
            console.print(Text("".join(t for t, _ in line), style=style or ""), soft_wrap=True)
    if info.get("kind") == "reference":
        for entry in info["keys"]:
            _reference_entry(entry, p)
        return
    if info.get("kind") == "check":
        _check(info, p)
        return
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
    _facts(info.get("facts"), p)
    p("  default: %s" % " ".join((info["default_expr"] or "None").split()))
    if info["condition"]:
        p("  only read when: %s" % info["condition"])
    p("")
    p(Text("  value: %s" % _v(key["value"]), style="bold"))
    if key.get("error"):
        p(Text("  ✗ Metaflow rejects it: %s" % key["error"], style="red"))
    uni = "utf" in (getattr(console.file, "encoding", None) or "utf-8").lower()
    for f in info.get("verdict", []):  # the findings `mfdoctor check` gives for this key
        for line in finding_lines(Finding.from_dict(f), width, uni):
            text = Text()
            for t, style in line:
                text.append(t, style=style or None)
            console.print(text, soft_wrap=True)
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


def _facts(facts, p) -> None:
    if not facts:
        return
    p("  format: %s" % facts["format"])
    for rule in facts["rules"]:
        p("    - %s" % rule, hang="      ")
    if facts.get("read_by"):
        p(Text("    (%s)" % facts["read_by"], style="dim"))


def _check(info: dict, p) -> None:
    if not info["found"]:
        msg = "Unknown check id %s." % info["name"]
        if info.get("suggestion"):
            msg += " Did you mean %s?" % info["suggestion"]
        p(Text(msg + " (`mfdoctor lint --list-checks` lists them all.)", style="red"))
        return
    p(Text("%s (%s)" % (info["name"], info["severity"]), style="bold"))
    p("  %s" % info["title"])
    p("")
    p("  %s" % info["doc"], hang="  ")
    if info.get("example"):
        p("")
        p("  example: %s" % info["example"], hang="    ")
    if info.get("fix"):
        p("  fix: %s" % info["fix"], hang="    ")


def _reference_entry(e: dict, p) -> None:
    p(Text(e["name"], style="bold"))
    if e["section"]:
        p(Text("  section: %s   defined in: %s" % (e["section"], e["defined_in"]), style="dim"))
    for line in (e["doc"] or "").splitlines():
        p(Text("  " + line, style="italic"))
    p("  type: %s%s" % (e["type"], ("   allowed: " + ", ".join(e["choices"])) if e["choices"] else ""))
    _facts(e.get("facts"), p)
    p("  default: %s" % " ".join((e["default_expr"] or "None").split()))
    if e["derived_to"]:
        p("  keys derived from it: %s" % ", ".join(e["derived_to"]))
    p("  set it: %s" % e["set_env"])
    p("      or: %s" % e["set_file"])
    p("")


def write(info: dict, out, options) -> None:
    console = make_console(file=out, no_color=options.no_color)
    render(info, console, output_width(console.file))
