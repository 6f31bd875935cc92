"""Running the flow checks: one file (parse, then every class and function with
@secrets), the flow files of a Resolution, and the secret references the live Key
Vault probe reads."""

from __future__ import annotations

import ast
import os
from typing import Mapping, Optional, Sequence

from ...findings import ERROR, INFO, OK, SKIPPED, WARNING, Finding, Location
from ... import ids
from ...bounds import read_regular
from ...pyast import TooDeep, parse
from ..keyvault_ids import DEFAULT_SECRETS_BACKENDS
from .decorators import visit_class, visit_function
from .discover import MetaflowImports, find_flow_files, flow_classes
from .model import FlowScan
from .scanner import FlowFile


def _scan(ff: FlowFile) -> FlowScan:
    """Parse the file, visit every class and function, and add an ok finding when clean."""
    try:
        text = read_regular(ff.path).decode("utf-8")
    except OSError as e:
        ff.add(ERROR, "cannot read flow file %s: %s" % (ff.path, e.strerror or e), None,
               fix="check the path given to --flow")
        return ff.scan
    except UnicodeDecodeError as e:
        ff.add(ERROR, "flow file %s is not UTF-8 (%s)" % (ff.path, e), None)
        return ff.scan
    try:
        tree = parse(text, ff.path)
    except TooDeep as e:
        ff.scan.findings.append(Finding(
            ids.FLOW_SECRETS, SKIPPED, "%s was not read: its code is %s, so its @secrets "
            "were not checked" % (ff.path, e.msg), location=Location(ff.path),
            fix="nothing to do if the flow runs; a generated flow file can be left out of --flow"))
        return ff.scan
    except SyntaxError as e:
        ff.scan.findings.append(Finding(
            ids.FLOW_SECRETS, ERROR, "%s has a syntax error: %s" % (ff.path, e.msg),
            location=Location(ff.path, e.lineno, e.offset), fix="fix the syntax error",
            detail={"phase": "import"}))
        return ff.scan
    ff.learn_constants(tree)
    ff.imports = MetaflowImports(tree)
    ff.flows = flow_classes(tree, ff.imports)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            visit_class(ff, node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visit_function(ff, node)
    if not any(f.severity in (ERROR, WARNING, SKIPPED) for f in ff.scan.findings):
        names = ", ".join(sorted(ff.flows)) or "no FlowSpec subclass"
        if ff.scan.decorators:
            msg = "%s (%s): %d @secrets decorator(s), %d source(s) checked" % (
                ff.path, names, ff.scan.decorators, ff.scan.sources)
        else:
            msg = "%s (%s): no @secrets decorators" % (ff.path, names)
        ff.scan.findings.append(Finding(ids.FLOW_SECRETS, OK, msg, location=Location(ff.path),
                                        detail={"flows": sorted(ff.flows)}))
    return ff.scan


def analyze_flow_file(path: str, *, default_backend: Optional[str] = None,
                      known_backends: Sequence[str] = DEFAULT_SECRETS_BACKENDS,
                      env: Optional[Mapping[str, str]] = None,
                      vault_prefix: Optional[str] = None) -> FlowScan:
    return _scan(FlowFile(path, default_backend=default_backend, known_backends=known_backends,
                          env=env, vault_prefix=vault_prefix))


def scan_flow_file(path: str, *, default_backend: Optional[str] = None,
                   known_backends: Sequence[str] = DEFAULT_SECRETS_BACKENDS,
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
    return default_backend, list(known_backends or DEFAULT_SECRETS_BACKENDS), vault_prefix, env


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
            return [Finding(ids.FLOW_SECRETS, INFO, "no flow files (*.py defining a FlowSpec subclass) in %s; "
                                         "pass --flow FILE to check @secrets" % where_)]
    out = []
    for p in paths:
        out.extend(scan_flow_file(p, default_backend=db, known_backends=kb, env=env, vault_prefix=vp))
    return out
