"""`@secrets` in flow files, read with `ast` (never imported, never run).

Mirrors what Metaflow 2.19 does with the decorator:

* when the flow module is imported (the class body runs): `Decorator.__init__`
  rejects attributes other than sources/role/allow_override
  (InvalidDecoratorAttribute), `_base_step_decorator` rejects a positional
  argument or a target that is not a @step yet (BadStepDecoratorException: so
  @secrets must sit above @step, and never on the class), and a second
  @secrets on one step (DuplicateStepDecoratorException);
* when the step starts (`SecretsDecorator.task_pre_step`): each source is a
  string "<backend>.<id>" split at the first '.', or a dict with type/id/
  options/role (`SecretSpec`); the default backend is needed when no type is
  given; the backend must exist; the provider validates the id; the injected
  names must be valid, must not collide across the step's sources, and must
  not already be in the environment unless allow_override=True.

Findings carry detail["phase"] = "import" or "task" (when Metaflow would fail)
and detail["flow"], detail["step"].
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ..findings import ERROR, INFO, OK, SKIPPED, WARNING, Finding, Location
from ..redact import REDACTED
from . import azure_rules as R

CHECK = "flow.secrets"
AZ_KEY_VAULT = "az-key-vault"
DEFAULT_BACKENDS = ("inline", "aws-secrets-manager", "gcp-secret-manager", AZ_KEY_VAULT)
DECO_ATTRIBUTES = ("sources", "role", "allow_override")  # SecretsDecorator.defaults
_UNRESOLVED = object()


@dataclass
class SecretRef:
    """One resolved @secrets source (or --secret id), for the live Key Vault probe."""

    backend: str
    id: str
    env_var_name: Optional[str]
    location: Optional[Location]
    flow: Optional[str] = None
    step: Optional[str] = None
    role: Optional[str] = None
    options: dict = field(default_factory=dict)  # env_var_name only; never values
    vault_url: Optional[str] = None
    name: Optional[str] = None
    version: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "backend": self.backend, "id": self.id, "env_var_name": self.env_var_name,
            "location": self.location.to_dict() if self.location else None,
            "flow": self.flow, "step": self.step, "vault_url": self.vault_url,
            "name": self.name, "version": self.version,
        }


def _lit(node) -> Any:
    """A statically known value: constants, and lists/tuples/dicts/str-concatenation of
    them. Anything else (a name, a call, an f-string with expressions) is _UNRESOLVED."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_lit(e) for e in node.elts]
        if any(i is _UNRESOLVED or isinstance(e, ast.Starred) for i, e in zip(items, node.elts)):
            return _UNRESOLVED
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return _UNRESOLVED
        keys = [_lit(k) for k in node.keys]
        vals = [_lit(v) for v in node.values]
        if any(x is _UNRESOLVED for x in keys + vals):
            return _UNRESOLVED
        return dict(zip(keys, vals))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _lit(node.left), _lit(node.right)
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        return _UNRESOLVED
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(v.value for v in node.values)
    return _UNRESOLVED


def _src(node) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover
        return "<expression>"


class _Imports:
    """Which local names mean metaflow's FlowSpec / step / secrets."""

    def __init__(self, tree: ast.AST):
        self.names = {}  # local name -> metaflow attribute
        self.other = set()  # names bound to something that is not metaflow's
        self.modules = set()  # local names bound to the metaflow package
        self.star = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "metaflow":
                        self.modules.add(a.asname or "metaflow")
                    else:
                        self.other.add((a.asname or a.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if node.module == "metaflow" and node.level == 0:
                        if a.name == "*":
                            self.star = True
                        else:
                            self.names[a.asname or a.name] = a.name
                    else:
                        self.other.add(a.asname or a.name)

    def qual(self, node) -> Optional[str]:
        """'secrets' / 'step' / 'FlowSpec' / ... when `node` is metaflow's, else None."""
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id not in self.other and (self.star or node.id in ("secrets", "step", "FlowSpec")):
                # star import, or never imported at all (then Python fails first; still read it)
                return node.id
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in self.modules:
            return node.attr
        return None


def flow_classes(tree: ast.AST, imports: Optional[_Imports] = None) -> dict:
    """name -> ClassDef for every class that subclasses metaflow's FlowSpec (directly or
    through another class of the same file)."""
    imports = imports or _Imports(tree)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    flows = {}
    changed = True
    while changed:
        changed = False
        for c in classes:
            if c.name in flows:
                continue
            for b in c.bases:
                if imports.qual(b) == "FlowSpec" or (isinstance(b, ast.Name) and b.id in flows):
                    flows[c.name] = c
                    changed = True
                    break
    return flows


def _is_flow_text(text: str) -> bool:
    return "FlowSpec" in text


def find_flow_files(cwd=None) -> list:
    """The *.py files directly in `cwd` that define a FlowSpec subclass (found by AST)."""
    cwd = cwd or os.getcwd()
    out = []
    try:
        names = sorted(os.listdir(cwd))
    except OSError:
        return out
    for name in names:
        if not name.endswith(".py"):
            continue
        path = os.path.join(cwd, name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        if not _is_flow_text(text):
            continue
        try:
            tree = ast.parse(text, filename=path)
        except (SyntaxError, ValueError):
            continue
        if flow_classes(tree):
            out.append(path)
    return out


# ---------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------


@dataclass
class FlowScan:
    path: str
    findings: list = field(default_factory=list)
    refs: list = field(default_factory=list)
    decorators: int = 0
    sources: int = 0


class _Scanner:
    def __init__(self, path: str, *, default_backend: Optional[str], known_backends: Sequence[str],
                 env: Optional[Mapping[str, str]], vault_prefix: Optional[str]):
        self.path = path
        self.default_backend = default_backend
        self.known = list(known_backends) or list(DEFAULT_BACKENDS)
        self.env = env
        self.vault_prefix = vault_prefix
        self.scan = FlowScan(path)

    # -- helpers -------------------------------------------------------
    def loc(self, node) -> Location:
        return Location(self.path, getattr(node, "lineno", None),
                        (node.col_offset + 1) if hasattr(node, "col_offset") else None)

    def add(self, severity, message, node, *, fix=None, suggestion=None, check=CHECK, **detail):
        self.scan.findings.append(Finding(
            check=check, severity=severity, message=message, fix=fix, suggestion=suggestion,
            location=self.loc(node) if node is not None else Location(self.path),
            detail={k: v for k, v in detail.items() if v is not None}))

    # -- entry ---------------------------------------------------------
    def run(self) -> FlowScan:
        try:
            with open(self.path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as e:
            self.add(ERROR, "cannot read flow file %s: %s" % (self.path, e.strerror or e), None,
                     fix="check the path given to --flow")
            return self.scan
        except UnicodeDecodeError as e:
            self.add(ERROR, "flow file %s is not UTF-8 (%s)" % (self.path, e), None)
            return self.scan
        try:
            tree = ast.parse(text, filename=self.path)
        except SyntaxError as e:
            self.scan.findings.append(Finding(
                CHECK, ERROR, "%s has a syntax error: %s" % (self.path, e.msg),
                location=Location(self.path, e.lineno, e.offset), fix="fix the syntax error",
                detail={"phase": "import"}))
            return self.scan
        self.imports = _Imports(tree)
        self.flows = flow_classes(tree, self.imports)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                self.visit_class(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.visit_function(node)
        if not any(f.severity in (ERROR, WARNING, SKIPPED) for f in self.scan.findings):
            names = ", ".join(sorted(self.flows)) or "no FlowSpec subclass"
            if self.scan.decorators:
                msg = "%s (%s): %d @secrets decorator(s), %d source(s) checked" % (
                    self.path, names, self.scan.decorators, self.scan.sources)
            else:
                msg = "%s (%s): no @secrets decorators" % (self.path, names)
            self.scan.findings.append(Finding(CHECK, OK, msg, location=Location(self.path),
                                              detail={"flows": sorted(self.flows)}))
        return self.scan

    def _secrets_decos(self, node):
        return [(i, d) for i, d in enumerate(node.decorator_list) if self.imports.qual(d) == "secrets"]

    def visit_class(self, node: ast.ClassDef):
        for _, d in self._secrets_decos(node):
            self.scan.decorators += 1
            self.add(ERROR,
                     "@secrets on class %s: it is a step decorator, and Metaflow fails when the flow "
                     "is loaded (\"You tried to apply decorator 'secrets' on '%s' which is not declared "
                     "as a @step\")" % (node.name, node.name), d,
                     fix="move @secrets(...) onto each step that needs the secrets, above @step",
                     flow=node.name, phase="import")

    def _owner(self, fn) -> Optional[str]:
        for name, cls in self.flows.items():
            if fn in cls.body:
                return name
        return None

    def visit_function(self, fn):
        decos = self._secrets_decos(fn)
        if not decos:
            return
        flow = self._owner(fn)
        step_idx = [i for i, d in enumerate(fn.decorator_list) if self.imports.qual(d) == "step"]
        ctx = dict(flow=flow, step=fn.name)
        for n, (i, d) in enumerate(decos):
            self.scan.decorators += 1
            if n < len(decos) - 1:  # decorators apply bottom-up: the upper ones are the duplicates
                self.add(ERROR,
                         "step %s has more than one @secrets; Metaflow fails when the flow is loaded "
                         "(DuplicateStepDecoratorException)" % fn.name, d,
                         fix="merge them into one @secrets(sources=[...])", phase="import", **ctx)
            if not step_idx:
                self.add(ERROR,
                         "@secrets on %s, which is not a @step: Metaflow fails when the flow is loaded "
                         "(\"...is not declared as a @step\")" % fn.name, d,
                         fix="decorate %s with @step, below @secrets" % fn.name, phase="import", **ctx)
            elif max(step_idx) < i:
                self.add(ERROR,
                         "@secrets is below @step on %s; decorators apply bottom-up, so @secrets meets a "
                         "plain function and Metaflow fails when the flow is loaded (\"Make sure ... "
                         "@secrets is above @step\")" % fn.name, d,
                         fix="move @secrets(...) above @step", phase="import", **ctx)
        # Metaflow keeps only the first successfully applied one; read all of them anyway.
        for _, d in decos:
            self.visit_decorator(d, fn, ctx)

    # -- one @secrets(...) ---------------------------------------------
    def visit_decorator(self, d, fn, ctx):
        if not isinstance(d, ast.Call):
            self.add(INFO, "@secrets without arguments on step %s injects nothing" % fn.name, d, **ctx)
            return
        if d.args:
            self.add(ERROR,
                     "@secrets(%s) has a positional argument; Metaflow treats it as the function to "
                     "decorate and fails when the flow is loaded" % _src(d.args[0]), d,
                     fix="pass the list as a keyword: @secrets(sources=%s)" % _src(d.args[0]),
                     phase="import", **ctx)
        kws = {}
        unknown = []
        for kw in d.keywords:
            if kw.arg is None:
                self.add(SKIPPED,
                         "@secrets(**%s) on step %s: the attributes are not known statically, so "
                         "they are not checked" % (_src(kw.value), fn.name), d, **ctx)
                return
            if kw.arg in DECO_ATTRIBUTES:
                kws[kw.arg] = kw
            else:
                unknown.append(kw)
        if unknown:
            self.report_unknown_attributes(d, unknown, kws, fn, ctx)
            return
        if d.args and "sources" not in kws:
            return
        self.visit_sources(d, kws, fn, ctx)

    def report_unknown_attributes(self, d, unknown, kws, fn, ctx):
        names = ", ".join(k.arg for k in unknown)
        fix = "use @secrets(sources=[...]) with each source \"<backend>.<secret-id>\" or a dict"
        sugg = None
        sec = next((k for k in unknown if k.arg == "secrets"), None)
        if sec is not None:
            rewritten = self.rewrite_seed_form(kws.get("sources"), sec)
            if rewritten:
                sugg = "@secrets(sources=%s)" % rewritten
                fix = "write it as %s" % sugg
                names = self.seed_env_names(sec)
                reads = [n for n, _ in env_reads(fn) if n not in names and n.lower() in
                         {x.lower() for x in names}]
                if reads:
                    fix += ("; the step reads %s, but Metaflow injects %s (case kept)"
                            % (", ".join("$" + r for r in sorted(set(reads))),
                               ", ".join("$" + n for n in sorted(names))))
        self.add(ERROR,
                 "@secrets(%s=...) on step %s: Metaflow fails when the flow is loaded with \"Decorator "
                 "'secrets' does not support the attribute '%s'. These attributes are supported: "
                 "sources, role, allow_override.\"%s"
                 % (unknown[0].arg, fn.name, unknown[0].arg,
                    " (the secrets=[...] form comes from wrong docs: the ids go into sources, each "
                    "prefixed with its backend)" if sec is not None else ""),
                 unknown[0], fix=fix, suggestion=sugg, phase="import", attributes=names, **ctx)

    def seed_env_names(self, secrets_kw) -> list:
        """The variables the seed-form ids would inject once rewritten (az-key-vault naming)."""
        from .azure_static import injected_env_var_name

        ids = _lit(secrets_kw.value)
        out = []
        if isinstance(ids, (list, tuple)):
            for item in ids:
                opts = {}
                if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict):
                    item, opts = item
                if isinstance(item, str):
                    name = injected_env_var_name(env_var_name=opts.get("env_var_name"), secret_id=item,
                                                 vault_prefix=self.vault_prefix or "https://x-vault.vault.azure.net")
                    if name:
                        out.append(name)
        return out

    def rewrite_seed_form(self, sources_kw, secrets_kw) -> Optional[str]:
        """@secrets(sources=["az-key-vault"], secrets=["a", ("b", {"env_var_name": "B"})])
        -> the equivalent sources list."""
        backends = _lit(sources_kw.value) if sources_kw is not None else [self.default_backend]
        ids = _lit(secrets_kw.value)
        if backends is _UNRESOLVED or ids is _UNRESOLVED or not isinstance(ids, (list, tuple)):
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
                    _q(backend), _q(item), "{%s}" % ", ".join("%s: %s" % (_q(k), _q(v)) for k, v in opts.items())))
            else:
                items.append(_q("%s.%s" % (backend, item)))
        return "[%s]" % ", ".join(items)

    def visit_sources(self, d, kws, fn, ctx):
        allow = kws.get("allow_override")
        allow_override = False
        if allow is not None:
            v = _lit(allow.value)
            allow_override = None if v is _UNRESOLVED else bool(v)
        role_kw = kws.get("role")
        role = None
        if role_kw is not None:
            role = _lit(role_kw.value)
            if role is _UNRESOLVED:
                role = None
        skw = kws.get("sources")
        if skw is None:
            self.add(INFO, "@secrets on step %s has no sources and injects nothing" % fn.name, d, **ctx)
            return
        node = skw.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = list(node.elts)
        else:
            v = _lit(node)
            if v is _UNRESOLVED:
                self.add(SKIPPED,
                         "@secrets(sources=%s) on step %s: not a literal list (a variable or a call), "
                         "so its sources are not checked" % (_src(node), fn.name), node, **ctx)
                return
            if isinstance(v, str):
                self.add(ERROR,
                         "@secrets(sources=%s) on step %s is a string, not a list: Metaflow iterates it "
                         "letter by letter, and each letter becomes a source" % (_src(node), fn.name),
                         node, fix="write sources=[%s]" % _src(node), phase="task", **ctx)
            else:
                self.add(ERROR,
                         "@secrets(sources=%s) on step %s must be a list of strings or dicts"
                         % (_src(node), fn.name), node, fix="write sources=[...]", phase="task", **ctx)
            return
        resolved = []  # (label, env var names or None, node)
        for el in items:
            self.scan.sources += 1
            if isinstance(el, ast.Starred):
                self.add(SKIPPED, "@secrets source %s on step %s is unpacked from an expression; not "
                                  "checked" % (_src(el), fn.name), el, **ctx)
                continue
            r = self.visit_source(el, fn, ctx, role)
            if r is not None:
                resolved.append(r)
        # Across the step's sources, then against the environment.
        from .azure_static import check_env_var_collisions

        items_ = []
        unknown_names = False
        for label, names, el in resolved:
            if names is None:
                unknown_names = True
                continue
            for n in names:
                items_.append((label, n, self.loc(el)))
        for f in check_env_var_collisions(items_, check=CHECK, env=self.env, allow_override=allow_override):
            f.detail.update({k: v for k, v in ctx.items() if v is not None})
            if f.severity == ERROR:
                f.detail["phase"] = "task"
            self.scan.findings.append(f)
        self.check_env_reads(fn, [n for _, n, _ in items_], ctx)
        if unknown_names and items_:
            self.add(INFO, "step %s: some sources' variable names depend on the secrets' contents, so "
                           "collisions among them are not checked offline" % fn.name, d, **ctx)

    def check_env_reads(self, fn, injected, ctx):
        """A step reading os.environ["API_KEY"] when @secrets injects api_key (case is kept)."""
        by_lower = {}
        for n in injected:
            if isinstance(n, str):
                by_lower.setdefault(n.lower(), n)
        for name, node in env_reads(fn):
            if name in injected or name.lower() not in by_lower:
                continue
            real = by_lower[name.lower()]
            self.add(WARNING,
                     "step %s reads $%s, but @secrets injects $%s (Metaflow keeps the secret name's case; "
                     "it does not upper-case it)" % (fn.name, name, real), node,
                     fix='read os.environ["%s"], or set {"options": {"env_var_name": "%s"}} on the source'
                         % (real, name), suggestion=real, **ctx)

    def visit_source(self, el, fn, ctx, role):
        """Returns (label, env var names | None, node) for a resolved source, else None."""
        v = _lit(el)
        text = _src(el)
        if v is _UNRESOLVED:
            if isinstance(el, ast.Dict):
                return self.visit_partial_dict(el, fn, ctx)
            self.add(SKIPPED, "@secrets source %s on step %s is not a literal (a variable, a call or "
                              "an f-string); not checked" % (text, fn.name), el, **ctx)
            return None
        if isinstance(v, str):
            return self.visit_str_source(v, el, fn, ctx)
        if isinstance(v, dict):
            return self.visit_dict_source(v, el, fn, ctx)
        self.add(ERROR, "@secrets source %s on step %s is neither a string nor a dict: \"@secrets "
                        "sources items must be either a string or a dict\"" % (text, fn.name), el,
                 fix="write \"<backend>.<secret-id>\" or {\"type\": ..., \"id\": ...}", phase="task", **ctx)
        return None

    def visit_partial_dict(self, el, fn, ctx):
        keys = [_lit(k) if k is not None else _UNRESOLVED for k in el.keys]
        self.add(SKIPPED, "@secrets source %s on step %s has values that are not literals; not checked"
                 % (_src(el), fn.name), el, keys=[k for k in keys if isinstance(k, str)], **ctx)
        return None

    def _backend_problem(self, backend, el, fn, ctx, sid, how):
        """Error for an unknown backend (None when known)."""
        if backend in self.known:
            return False
        from .azure_static import _suggest_name

        best = _suggest_name(backend, self.known)
        fix = None
        sugg = None
        if best and how == "str":
            sugg = '"%s.%s"' % (best, sid)
            fix = "write %s" % sugg
        elif best:
            sugg = best
            fix = '"type": "%s"' % best
        self.add(ERROR,
                 "@secrets source on step %s: unknown secrets backend type %r: \"Unknown secrets backend "
                 "type %s (available types: %s)\"%s"
                 % (fn.name, backend, backend, ", ".join(k for k in self.known if k != "inline"),
                    " (did you mean %s?)" % best if best else ""),
                 el, fix=fix or "use one of %s" % ", ".join(self.known), suggestion=sugg,
                 phase="task", backend=backend, **ctx)
        return True

    def _no_default(self, el, fn, ctx, what):
        self.add(ERROR,
                 "@secrets source %s on step %s names no backend, and METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE "
                 "is not set: \"No default secrets backend type configured, but needed by @secrets.\""
                 % (what, fn.name), el,
                 fix="prefix the backend (\"az-key-vault.<id>\") or export "
                     "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE=az-key-vault", phase="task", **ctx)

    def visit_str_source(self, s, el, fn, ctx):
        label = '"%s"' % s
        lowered = s.lower()
        if lowered.startswith("https://") or lowered.startswith("http://"):
            backend, sid = s.split(".", 1) if "." in s else (s, "")
            self.add(ERROR,
                     "@secrets source %s on step %s is a full URL in string form: Metaflow splits it at "
                     "the first '.', into backend %r and id %r" % (label, fn.name, backend, sid), el,
                     fix='write "az-key-vault.%s", or {"type": "az-key-vault", "id": "%s"}' % (s, s),
                     suggestion='"az-key-vault.%s"' % s, phase="task", backend=backend, **ctx)
            # Still say whether the URL itself is a good Key Vault id.
            fs, _ = self.key_vault_id(s, el, ctx, None, label)
            for f in fs:
                if f.severity != OK:
                    self.scan.findings.append(f)
            return None
        parts = s.split(".", 1)
        if len(parts) == 1:
            if self.default_backend is None:
                self._no_default(el, fn, ctx, label)
                if s in self.known:
                    self.add(INFO, "%s is a backend name: a source is \"%s.<secret-id>\"" % (label, s), el, **ctx)
                return None
            backend, sid = self.default_backend, s
            if s in self.known:
                self.add(WARNING, "@secrets source %s on step %s is a backend name, but without a '.' it is "
                                  "read as secret id %r of the default backend %s"
                         % (label, fn.name, s, backend), el,
                         fix='write "%s.<secret-id>"' % s, **ctx)
        else:
            backend, sid = parts
        if self._backend_problem(backend, el, fn, ctx, sid, "str"):
            return None
        return self.resolved(backend, sid, {}, None, el, fn, ctx, label)

    def visit_dict_source(self, d, el, fn, ctx):
        label = _src(el)
        # The inline backend carries secret values in the flow file itself: never echo them.
        env_vars = (d.get("options") or {}).get("env_vars") if isinstance(d.get("options"), dict) else None
        for v in (env_vars.values() if isinstance(env_vars, dict) else ()):
            if isinstance(v, str) and v:
                label = label.replace(v, REDACTED)
        bad = False
        extra = [k for k in d if k not in ("type", "id", "options", "role")]
        for k in extra:
            hint = ""
            if k == "env_var_name":
                hint = '; it belongs under "options": {"env_var_name": ...}'
            self.add(WARNING, "@secrets source %s on step %s: key %r is ignored by Metaflow%s"
                     % (label, fn.name, k, hint), el,
                     fix='move it: "options": {"env_var_name": %s}' % _q(d[k]) if k == "env_var_name"
                     else "remove %r" % k, **ctx)
        if "type" not in d:
            if self.default_backend is None:
                self._no_default(el, fn, ctx, label)
                return None
            backend = self.default_backend
        else:
            backend = d["type"]
            if not isinstance(backend, str):
                self.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - 'type' must "
                                "be a string - found %s\"" % (label, fn.name, type(backend)), el,
                         fix='"type": "az-key-vault"', phase="task", **ctx)
                bad = True
        sid = d.get("id")
        if not isinstance(sid, str):
            self.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - 'id' must be a "
                            "string - found %s\"" % (label, fn.name, type(sid)), el,
                     fix='"id": "<secret-id>"', phase="task", **ctx)
            bad = True
        options = d.get("options", {})
        if not isinstance(options, dict):
            self.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - 'option' must be "
                            "a dict - found %s\"" % (label, fn.name, type(options)), el,
                     fix='"options": {"env_var_name": "..."}', phase="task", **ctx)
            bad = True
        role = d.get("role")
        if role is not None and not isinstance(role, str):
            self.add(ERROR, "@secrets source %s on step %s: \"Bad @secrets specification - 'role' must be a "
                            "str - found %s\"" % (label, fn.name, type(role)), el, phase="task", **ctx)
            bad = True
        if bad:
            return None
        if self._backend_problem(backend, el, fn, ctx, sid, "dict"):
            return None
        return self.resolved(backend, sid, options, role, el, fn, ctx, label)

    def key_vault_id(self, sid, el, ctx, env_var_name, label):
        from .azure_static import check_secret_id

        fs, parsed = check_secret_id(sid, vault_prefix=self.vault_prefix, location=self.loc(el),
                                     env_var_name=env_var_name, label="@secrets source %s" % label)
        for f in fs:
            f.detail.update({k: v for k, v in ctx.items() if v is not None})
            if f.severity == ERROR:
                f.detail["phase"] = "task"
        return fs, parsed

    def resolved(self, backend, sid, options, role, el, fn, ctx, label):
        loc = self.loc(el)
        if backend == AZ_KEY_VAULT:
            env_name_opt = options.get("env_var_name")
            fs, parsed = self.key_vault_id(sid, el, ctx, env_name_opt, label)
            self.scan.findings.extend(fs)
            if parsed is None or any(f.severity == ERROR for f in fs):
                if parsed is not None:
                    self.scan.refs.append(self._ref(backend, sid, None, loc, ctx, role, options, parsed))
                return None
            from .azure_static import injected_env_var_name

            name = injected_env_var_name(parsed.name, env_var_name=env_name_opt)
            self.scan.refs.append(self._ref(backend, sid, name, loc, ctx, role, options, parsed))
            return ("%s (%s)" % (sid, backend), [name], el)
        if backend == "inline":
            env_vars = options.get("env_vars", {})
            if not isinstance(env_vars, dict):
                self.add(ERROR, "@secrets source %s on step %s: inline options.env_vars must be a dict"
                         % (label, fn.name), el, phase="task", **ctx)
                return None
            bad = False
            for k, v in env_vars.items():
                prob = R.env_var_name_problem(k)
                if prob is None and not isinstance(v, str):
                    prob = "Found non string value %s (%s)" % (str(v), type(v))
                if prob:
                    bad = True
                    self.add(ERROR, "@secrets source %s on step %s: \"Invalid env vars from secret %s: %s\""
                             % (label, fn.name, sid, prob), el, phase="task", **ctx)
            self.scan.refs.append(self._ref(backend, sid, None, loc, ctx, role, {}, None))
            if bad:
                return None
            self.add(OK, "@secrets source %s on step %s: inline backend, injects %s"
                     % (label, fn.name, ", ".join(sorted(env_vars)) or "nothing"), el, **ctx)
            return ("%s (%s)" % (sid, backend), list(env_vars), el)
        # aws-secrets-manager, gcp-secret-manager, extension backends: the names come from the
        # secret's contents (JSON keys) unless env_var_name is given.
        env_name_opt = options.get("env_var_name")
        self.scan.refs.append(self._ref(backend, sid, env_name_opt, loc, ctx, role, options, None))
        self.add(OK, "@secrets source %s on step %s: backend %s is installed (its ids are not validated "
                     "offline)" % (label, fn.name, backend), el, backend=backend, **ctx)
        return None

    def _ref(self, backend, sid, name, loc, ctx, role, options, parsed):
        opts = {}
        if isinstance(options, dict) and isinstance(options.get("env_var_name"), str):
            opts["env_var_name"] = options["env_var_name"]
        return SecretRef(backend=backend, id=sid, env_var_name=name, location=loc,
                         flow=ctx.get("flow"), step=ctx.get("step"),
                         role=role if isinstance(role, str) else None, options=opts,
                         vault_url=parsed.vault_url if parsed else None,
                         name=parsed.name if parsed else None,
                         version=parsed.version if parsed else None)


def env_reads(fn) -> list:
    """(name, node) for os.environ["X"], os.environ.get("X"), os.getenv("X") in a function."""
    out = []
    for node in ast.walk(fn):
        name = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _lit(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            f = node.func
            if (f.attr == "get" and _is_environ(f.value)) or \
                    (f.attr == "getenv" and isinstance(f.value, ast.Name) and f.value.id == "os"):
                name = _lit(node.args[0])
        if isinstance(name, str):
            out.append((name, node))
    return out


def _is_environ(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def _q(v) -> str:
    import json

    return json.dumps(v)


def analyze_flow_file(path: str, *, default_backend: Optional[str] = None,
                      known_backends: Sequence[str] = DEFAULT_BACKENDS,
                      env: Optional[Mapping[str, str]] = None,
                      vault_prefix: Optional[str] = None) -> FlowScan:
    return _Scanner(path, default_backend=default_backend, known_backends=known_backends,
                    env=env, vault_prefix=vault_prefix).run()


def scan_flow_file(path: str, *, default_backend: Optional[str] = None,
                   known_backends: Sequence[str] = DEFAULT_BACKENDS,
                   env: Optional[Mapping[str, str]] = None,
                   vault_prefix: Optional[str] = None) -> list:
    """Findings for every @secrets of one flow file (issue 4 §5)."""
    return analyze_flow_file(path, default_backend=default_backend, known_backends=known_backends,
                             env=env, vault_prefix=vault_prefix).findings


def _settings(res, default_backend, known_backends, vault_prefix, env):
    if res is not None:
        if default_backend is None:
            default_backend = res.value("DEFAULT_SECRETS_BACKEND_TYPE")
        if vault_prefix is None:
            vault_prefix = res.value("AZURE_KEY_VAULT_PREFIX")
        if env is None:
            env = res.env
        if known_backends is None:
            try:
                known_backends = list(res.catalog.plugins.get("secrets_provider") or [])
            except Exception:
                known_backends = None
    return default_backend, list(known_backends or DEFAULT_BACKENDS), vault_prefix, env


def collect_secret_refs(paths: Sequence[str], *, res=None, default_backend: Optional[str] = None,
                        known_backends: Optional[Sequence[str]] = None,
                        vault_prefix: Optional[str] = None) -> list:
    """Every resolvable @secrets source of the given flow files, as SecretRef
    (backend, id, env_var_name, location, ...); the live probe keeps backend == az-key-vault."""
    db, kb, vp, _ = _settings(res, default_backend, known_backends, vault_prefix, {})
    refs = []
    for p in paths:
        refs.extend(analyze_flow_file(p, default_backend=db, known_backends=kb, env=None,
                                      vault_prefix=vp).refs)
    return refs


def run_flow_checks(res, *, flows: Sequence[str] = (), cwd=None,
                    known_backends: Optional[Sequence[str]] = None) -> list:
    """§5 over a Resolution: the given flow files, or the flow files found in cwd."""
    db, kb, vp, env = _settings(res, None, known_backends, None, None)
    paths = list(flows)
    if not paths:
        where_ = cwd or getattr(res, "cwd", None) or os.getcwd()
        paths = find_flow_files(where_)
        if not paths:
            return [Finding(CHECK, INFO, "no flow files (*.py defining a FlowSpec subclass) in %s; "
                                         "pass --flow FILE to check @secrets" % where_)]
    out = []
    for p in paths:
        out.extend(scan_flow_file(p, default_backend=db, known_backends=kb, env=env, vault_prefix=vp))
    return out
