"""The @secrets decorators themselves, as Metaflow applies them when the flow module is
imported: placement (on a @step, above it, once, never on the class), the attributes
Decorator.__init__ accepts, and the `secrets=[...]` form of wrong docs, rewritten."""

from __future__ import annotations

import ast
from typing import Optional

from ...findings import ERROR, INFO, SKIPPED
from ...pyast import UNRESOLVED, static_value, unparsed
from ..keyvault_ids import injected_env_var_name
from ..messages import quote
from .env_reads import env_reads
from .model import DECO_ATTRIBUTES
from .scanner import FlowFile
from .sources import visit_sources


def _secrets_decos(ff: FlowFile, node):
    return [(i, d) for i, d in enumerate(node.decorator_list) if ff.imports.qual(d) == "secrets"]


def visit_class(ff: FlowFile, node: ast.ClassDef):
    for _, d in _secrets_decos(ff, node):
        ff.scan.decorators += 1
        ff.add(ERROR,
               "@secrets on class %s: it is a step decorator, and Metaflow fails when the flow "
               "is loaded (\"You tried to apply decorator 'secrets' on '%s' which is not declared "
               "as a @step\")" % (node.name, node.name), d,
               fix="move @secrets(...) onto each step that needs the secrets, above @step",
               flow=node.name, phase="import")


def _owner(ff: FlowFile, fn) -> Optional[str]:
    for name, cls in ff.flows.items():
        if fn in cls.body:
            return name
    return None


def visit_function(ff: FlowFile, fn):
    decos = _secrets_decos(ff, fn)
    if not decos:
        return
    flow = _owner(ff, fn)
    step_idx = [i for i, d in enumerate(fn.decorator_list) if ff.imports.qual(d) == "step"]
    ctx = dict(flow=flow, step=fn.name)
    for n, (i, d) in enumerate(decos):
        ff.scan.decorators += 1
        if n < len(decos) - 1:  # decorators apply bottom-up: the upper ones are the duplicates
            ff.add(ERROR,
                   "step %s has more than one @secrets; Metaflow fails when the flow is loaded "
                   "(DuplicateStepDecoratorException)" % fn.name, d,
                   fix="merge them into one @secrets(sources=[...])", phase="import", **ctx)
        if not step_idx:
            ff.add(ERROR,
                   "@secrets on %s, which is not a @step: Metaflow fails when the flow is loaded "
                   "(\"...is not declared as a @step\")" % fn.name, d,
                   fix="decorate %s with @step, below @secrets" % fn.name, phase="import", **ctx)
        elif max(step_idx) < i:
            ff.add(ERROR,
                   "@secrets is below @step on %s; decorators apply bottom-up, so @secrets meets a "
                   "plain function and Metaflow fails when the flow is loaded (\"Make sure ... "
                   "@secrets is above @step\")" % fn.name, d,
                   fix="move @secrets(...) above @step", phase="import", **ctx)
    # Metaflow keeps only the first successfully applied one; read all of them anyway.
    for _, d in decos:
        visit_decorator(ff, d, fn, ctx)

# -- one @secrets(...) ---------------------------------------------
def visit_decorator(ff: FlowFile, d, fn, ctx):
    if not isinstance(d, ast.Call):
        ff.add(INFO, "@secrets without arguments on step %s injects nothing" % fn.name, d, **ctx)
        return
    if d.args:
        ff.add(ERROR,
               "@secrets(%s) has a positional argument; Metaflow treats it as the function to "
               "decorate and fails when the flow is loaded" % unparsed(d.args[0]), d,
               fix="pass the list as a keyword: @secrets(sources=%s)" % unparsed(d.args[0]),
               phase="import", **ctx)
    kws = {}
    unknown = []
    for kw in d.keywords:
        if kw.arg is None:
            ff.add(SKIPPED,
                   "@secrets(**%s) on step %s: the attributes are not known statically, so "
                   "they are not checked" % (unparsed(kw.value), fn.name), d, **ctx)
            return
        if kw.arg in DECO_ATTRIBUTES:
            kws[kw.arg] = kw
        else:
            unknown.append(kw)
    if unknown:
        report_unknown_attributes(ff, d, unknown, kws, fn, ctx)
        return
    if d.args and "sources" not in kws:
        return
    visit_sources(ff, d, kws, fn, ctx)


def report_unknown_attributes(ff: FlowFile, d, unknown, kws, fn, ctx):
    names = ", ".join(k.arg for k in unknown)
    fix = "use @secrets(sources=[...]) with each source \"<backend>.<secret-id>\" or a dict"
    sugg = None
    sec = next((k for k in unknown if k.arg == "secrets"), None)
    if sec is not None:
        rewritten = rewrite_seed_form(ff, kws.get("sources"), sec)
        if rewritten:
            sugg = "@secrets(sources=%s)" % rewritten
            fix = "write it as %s" % sugg
            names = seed_env_names(ff, sec)
            reads = [n for n, _ in env_reads(fn) if n not in names and n.lower() in
                     {x.lower() for x in names}]
            if reads:
                fix += ("; the step reads %s, but Metaflow injects %s (case kept)"
                        % (", ".join("$" + r for r in sorted(set(reads))),
                           ", ".join("$" + n for n in sorted(names))))
    ff.add(ERROR,
           "@secrets(%s=...) on step %s: Metaflow fails when the flow is loaded with \"Decorator "
           "'secrets' does not support the attribute '%s'. These attributes are supported: "
           "sources, role, allow_override.\"%s"
           % (unknown[0].arg, fn.name, unknown[0].arg,
              " (the secrets=[...] form comes from wrong docs: the ids go into sources, each "
              "prefixed with its backend)" if sec is not None else ""),
           unknown[0], fix=fix, suggestion=sugg, phase="import", attributes=names, **ctx)


def seed_env_names(ff: FlowFile, secrets_kw) -> list:
    """The variables the seed-form ids would inject once rewritten (az-key-vault naming)."""
    ids = static_value(secrets_kw.value)
    out = []
    if isinstance(ids, (list, tuple)):
        for item in ids:
            opts = {}
            if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict):
                item, opts = item
            if isinstance(item, str):
                name = injected_env_var_name(env_var_name=opts.get("env_var_name"), secret_id=item,
                                             vault_prefix=ff.vault_prefix or "https://x-vault.vault.azure.net")
                if name:
                    out.append(name)
    return out


def rewrite_seed_form(ff: FlowFile, sources_kw, secrets_kw) -> Optional[str]:
    """@secrets(sources=["az-key-vault"], secrets=["a", ("b", {"env_var_name": "B"})])
    -> the equivalent sources list."""
    backends = static_value(sources_kw.value) if sources_kw is not None else [ff.default_backend]
    ids = static_value(secrets_kw.value)
    if backends is UNRESOLVED or ids is UNRESOLVED or not isinstance(ids, (list, tuple)):
        return None
    if not isinstance(backends, (list, tuple)) or len(backends) != 1 or not isinstance(backends[0], str):
        return None
    backend = backends[0]
    items = []
    for item in ids:
        opts = None
        if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict):
            item, opts = item
        if not isinstance(item, str):
            return None
        if opts:
            items.append('{"type": %s, "id": %s, "options": %s}' % (
                quote(backend), quote(item), "{%s}" % ", ".join("%s: %s" % (quote(k), quote(v)) for k, v in opts.items())))
        else:
            items.append(quote("%s.%s" % (backend, item)))
    return "[%s]" % ", ".join(items)
