"""The sources of one @secrets, as `SecretsDecorator.task_pre_step` reads them when the
step starts: "<backend>.<id>" strings and SecretSpec dicts, the backend, the
provider's id rules (az-key-vault), inline values, and the variables each source
injects (collisions across the step's sources and with the environment)."""

from __future__ import annotations

import ast

from ...findings import ERROR, INFO, OK, SKIPPED, WARNING
from ...pyast import UNRESOLVED, static_value, unparsed
from ...redact import REDACTED, register_secret
from .. import azure_rules as R
from ... import ids
from ..keyvault_ids import (AZ_KEY_VAULT, check_env_var_collisions, check_secret_id,
                            injected_env_var_name, suggest_plugin_name)
from ..messages import quote
from .env_reads import check_env_reads
from .model import SecretRef
from .scanner import FlowFile


def visit_sources(ff: FlowFile, d, kws, fn, ctx):
    allow = kws.get("allow_override")
    allow_override = False
    if allow is not None:
        v = static_value(allow.value)
        allow_override = None if v is UNRESOLVED else bool(v)
    role_kw = kws.get("role")
    role = None
    if role_kw is not None:
        role = static_value(role_kw.value)
        if role is UNRESOLVED:
            role = None
    skw = kws.get("sources")
    if skw is None:
        ff.add(INFO, "@secrets on step %s has no sources and injects nothing" % fn.name, d, **ctx)
        return
    node = ff.resolve(skw.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = list(node.elts)
    else:
        v = static_value(node)
        if v is UNRESOLVED:
            ff.add(SKIPPED,
                   "@secrets(sources=%s) on step %s: not a literal list (a variable or a call), "
                   "so its sources are not checked" % (unparsed(node), fn.name), node, **ctx)
            return
        if isinstance(v, str):
            ff.add(ERROR,
                   "@secrets(sources=%s) on step %s is a string, not a list: Metaflow iterates it "
                   "letter by letter, and each letter becomes a source" % (unparsed(node), fn.name),
                   node, fix="write sources=[%s]" % unparsed(node), phase="task", **ctx)
        else:
            ff.add(ERROR,
                   "@secrets(sources=%s) on step %s must be a list of strings or dicts"
                   % (unparsed(node), fn.name), node, fix="write sources=[...]", phase="task", **ctx)
        return
    resolved = []  # (label, env var names or None, node)
    for el in map(ff.resolve, items):
        ff.scan.sources += 1
        if isinstance(el, ast.Starred):
            ff.add(SKIPPED, "@secrets source %s on step %s is unpacked from an expression; not "
                   "checked" % (unparsed(el), fn.name), el, **ctx)
            continue
        r = visit_source(ff, el, fn, ctx, role)
        if r is not None:
            resolved.append(r)
    # Across the step's sources, then against the environment.
    items_ = []
    unknown_names = False
    for label, names, el in resolved:
        if names is None:
            unknown_names = True
            continue
        for n in names:
            items_.append((label, n, ff.loc(el)))
    for f in check_env_var_collisions(items_, check=ids.FLOW_SECRETS, env=ff.env, allow_override=allow_override):
        f.detail.update({k: v for k, v in ctx.items() if v is not None})
        if f.severity == ERROR:
            f.detail["phase"] = "task"
        ff.scan.findings.append(f)
    check_env_reads(ff, fn, [n for _, n, _ in items_], ctx)
    if unknown_names and items_:
        ff.add(INFO, "step %s: some sources' variable names depend on the secrets' contents, so "
               "collisions among them are not checked offline" % fn.name, d, **ctx)


def visit_source(ff: FlowFile, el, fn, ctx, role):
    """Returns (label, env var names | None, node) for a resolved source, else None."""
    v = static_value(el)
    text = unparsed(el)
    if v is UNRESOLVED:
        if isinstance(el, ast.Dict):
            return visit_partial_dict(ff, el, fn, ctx)
        ff.add(SKIPPED, "@secrets source %s on step %s is not a literal (a variable, a call or "
               "an f-string); not checked" % (text, fn.name), el, **ctx)
        return None
    if isinstance(v, str):
        return visit_str_source(ff, v, el, fn, ctx)
    if isinstance(v, dict):
        return visit_dict_source(ff, v, el, fn, ctx)
    ff.add(ERROR, "@secrets source %s on step %s is neither a string nor a dict: \"@secrets "
           "sources items must be either a string or a dict\"" % (text, fn.name), el,
    fix="write \"<backend>.<secret-id>\" or {\"type\": ..., \"id\": ...}", phase="task", **ctx)
    return None


def visit_partial_dict(ff: FlowFile, el, fn, ctx):
    keys = [static_value(k) if k is not None else UNRESOLVED for k in el.keys]
    ff.add(SKIPPED, "@secrets source %s on step %s has values that are not literals; not checked"
           % (unparsed(el), fn.name), el, keys=[k for k in keys if isinstance(k, str)], **ctx)
    return None


def _backend_problem(ff: FlowFile, backend, el, fn, ctx, sid, how):
    """Error for an unknown backend (None when known)."""
    if backend in ff.known:
        return False
    best = suggest_plugin_name(backend, ff.known)
    fix = None
    sugg = None
    if best and how == "str":
        sugg = '"%s.%s"' % (best, sid)
        fix = "write %s" % sugg
    elif best:
        sugg = best
        fix = '"type": "%s"' % best
    ff.add(ERROR,
           "@secrets source on step %s: unknown secrets backend type %r: \"Unknown secrets backend "
           "type %s (available types: %s)\"%s"
           % (fn.name, backend, backend, ", ".join(k for k in ff.known if k != "inline"),
              " (did you mean %s?)" % best if best else ""),
           el, fix=fix or "use one of %s" % ", ".join(ff.known), suggestion=sugg,
           phase="task", backend=backend, **ctx)
    return True


def _no_default(ff: FlowFile, el, fn, ctx, what):
    ff.add(ERROR,
           "@secrets source %s on step %s names no backend, and METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE "
           "is not set: \"No default secrets backend type configured, but needed by @secrets.\""
           % (what, fn.name), el,
           fix="prefix the backend (\"az-key-vault.<id>\") or export "
               "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE=az-key-vault", phase="task", **ctx)


def visit_str_source(ff: FlowFile, s, el, fn, ctx):
    label = '"%s"' % s
    lowered = s.lower()
    if lowered.startswith("https://") or lowered.startswith("http://"):
        backend, sid = s.split(".", 1) if "." in s else (s, "")
        ff.add(ERROR,
               "@secrets source %s on step %s is a full URL in string form: Metaflow splits it at "
               "the first '.', into backend %r and id %r" % (label, fn.name, backend, sid), el,
               fix='write "az-key-vault.%s", or {"type": "az-key-vault", "id": "%s"}' % (s, s),
               suggestion='"az-key-vault.%s"' % s, phase="task", backend=backend, **ctx)
        # Still say whether the URL itself is a good Key Vault id.
        fs, _ = key_vault_id(ff, s, el, ctx, None, label)
        for f in fs:
            if f.severity != OK:
                ff.scan.findings.append(f)
        return None
    parts = s.split(".", 1)
    if len(parts) == 1:
        if ff.default_backend is None:
            _no_default(ff, el, fn, ctx, label)
            if s in ff.known:
                ff.add(INFO, "%s is a backend name: a source is \"%s.<secret-id>\"" % (label, s), el, **ctx)
            return None
        backend, sid = ff.default_backend, s
        if s in ff.known:
            ff.add(WARNING, "@secrets source %s on step %s is a backend name, but without a '.' it is "
                   "read as secret id %r of the default backend %s"
          % (label, fn.name, s, backend), el,
          fix='write "%s.<secret-id>"' % s, **ctx)
    else:
        backend, sid = parts
    if _backend_problem(ff, backend, el, fn, ctx, sid, "str"):
        return None
    return resolved(ff, backend, sid, {}, None, el, fn, ctx, label)


def visit_dict_source(ff: FlowFile, d, el, fn, ctx):
    label = unparsed(el)
    # The inline backend carries secret values in the flow file itself: never echo them.
    env_vars = (d.get("options") or {}).get("env_vars") if isinstance(d.get("options"), dict) else None
    for v in (env_vars.values() if isinstance(env_vars, dict) else ()):
        register_secret(v)  # every message of this file, in any form, cuts it
        if isinstance(v, str) and v:
            label = label.replace(v, REDACTED)
    bad = False
    extra = [k for k in d if k not in ("type", "id", "options", "role")]
    for k in extra:
        hint = ""
        if k == "env_var_name":
            hint = '; it belongs under "options": {"env_var_name": ...}'
        ff.add(WARNING, "@secrets source %s on step %s: key %r is ignored by Metaflow%s"
               % (label, fn.name, k, hint), el,
               fix='move it: "options": {"env_var_name": %s}' % quote(d[k]) if k == "env_var_name"
               else "remove %r" % k, **ctx)
    if "type" not in d:
        if ff.default_backend is None:
            _no_default(ff, el, fn, ctx, label)
            return None
        backend = ff.default_backend
    else:
        backend = d["type"]
        if not isinstance(backend, str):
            ff.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - 'type' must "
                   "be a string - found %s\"" % (label, fn.name, type(backend)), el,
            fix='"type": "az-key-vault"', phase="task", **ctx)
            bad = True
    for field, want, noun, fix in _FIELD_TYPES:
        value = d.get(field, {} if field == "options" else None)
        if field == "role" and value is None:
            continue
        if not isinstance(value, want):
            ff.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - '%s' must be "
                   "%s - found %s\"" % (label, fn.name, "option" if field == "options" else field, noun,
                                        type(value)), el, fix=fix, phase="task", **ctx)
            bad = True
    sid, options, role = d.get("id"), d.get("options", {}), d.get("role")
    if bad:
        return None
    if _backend_problem(ff, backend, el, fn, ctx, sid, "dict"):
        return None
    return resolved(ff, backend, sid, options, role, el, fn, ctx, label)


# Metaflow's own type checks of a dict source's fields (secrets_decorator.py), in its
# order and words ('options' is called 'option' there): field, type, noun, fix.
_FIELD_TYPES = (
    ("id", str, "a string", '"id": "<secret-id>"'),
    ("options", dict, "a dict", '"options": {"env_var_name": "..."}'),
    ("role", str, "a str", None),
)


def key_vault_id(ff: FlowFile, sid, el, ctx, env_var_name, label):
    fs, parsed = check_secret_id(sid, vault_prefix=ff.vault_prefix, location=ff.loc(el),
                                 env_var_name=env_var_name, label="@secrets source %s" % label)
    for f in fs:
        f.detail.update({k: v for k, v in ctx.items() if v is not None})
        if f.severity == ERROR:
            f.detail["phase"] = "task"
    return fs, parsed


def resolved(ff: FlowFile, backend, sid, options, role, el, fn, ctx, label):
    loc = ff.loc(el)
    if backend == AZ_KEY_VAULT:
        env_name_opt = options.get("env_var_name")
        fs, parsed = key_vault_id(ff, sid, el, ctx, env_name_opt, label)
        ff.scan.findings.extend(fs)
        if parsed is None or any(f.severity == ERROR for f in fs):
            if parsed is not None:
                ff.scan.refs.append(_ref(ff, backend, sid, None, loc, ctx, role, options, parsed))
            return None
        name = injected_env_var_name(parsed.name, env_var_name=env_name_opt)
        ff.scan.refs.append(_ref(ff, backend, sid, name, loc, ctx, role, options, parsed))
        return ("%s (%s)" % (sid, backend), [name], el)
    if backend == "inline":
        env_vars = options.get("env_vars", {})
        if not isinstance(env_vars, dict):
            ff.add(ERROR, "@secrets source %s on step %s: inline options.env_vars must be a dict"
                   % (label, fn.name), el, phase="task", **ctx)
            return None
        bad = False
        for k, v in env_vars.items():
            prob = R.env_var_name_problem(k)
            if prob is None and not isinstance(v, str):
                prob = "Found non string value %s (%s)" % (str(v), type(v))
            if prob:
                bad = True
                ff.add(ERROR, "@secrets source %s on step %s: \"Invalid env vars from secret %s: %s\""
                       % (label, fn.name, sid, prob), el, phase="task", **ctx)
        ff.scan.refs.append(_ref(ff, backend, sid, None, loc, ctx, role, {}, None))
        if bad:
            return None
        ff.add(OK, "@secrets source %s on step %s: inline backend, injects %s"
               % (label, fn.name, ", ".join(sorted(env_vars)) or "nothing"), el, **ctx)
        return ("%s (%s)" % (sid, backend), list(env_vars), el)
    # aws-secrets-manager, gcp-secret-manager, extension backends: the names come from the
    # secret's contents (JSON keys) unless env_var_name is given.
    env_name_opt = options.get("env_var_name")
    ff.scan.refs.append(_ref(ff, backend, sid, env_name_opt, loc, ctx, role, options, None))
    ff.add(OK, "@secrets source %s on step %s: backend %s is installed (its ids are not validated "
           "offline)" % (label, fn.name, backend), el, backend=backend, **ctx)
    return None


def _ref(ff: FlowFile, backend, sid, name, loc, ctx, role, options, parsed):
    opts = {}
    if isinstance(options, dict) and isinstance(options.get("env_var_name"), str):
        opts["env_var_name"] = options["env_var_name"]
    return SecretRef(backend=backend, id=sid, env_var_name=name, location=loc,
                     flow=ctx.get("flow"), step=ctx.get("step"),
                     role=role if isinstance(role, str) else None, options=opts,
                     vault_url=parsed.vault_url if parsed else None,
                     name=parsed.name if parsed else None,
                     version=parsed.version if parsed else None)
