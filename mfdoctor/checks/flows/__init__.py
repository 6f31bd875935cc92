"""`@secrets` in flow files, read with `ast` (never imported, never run).

Mirrors what Metaflow 2.19 does with the decorator:

* when the flow module is imported (the class body runs): `Decorator.__init__`
  rejects attributes other than sources/role/allow_override
  (InvalidDecoratorAttribute), `_base_step_decorator` rejects a positional
  argument or a target that is not a @step yet (BadStepDecoratorException: so
  @secrets must sit above @step, and never on the class), and a second
  @secrets on one step (DuplicateStepDecoratorException) — `decorators`;
* when the step starts (`SecretsDecorator.task_pre_step`): each source is a
  string "<backend>.<id>" split at the first '.', or a dict with type/id/
  options/role (`SecretSpec`); the default backend is needed when no type is
  given; the backend must exist; the provider validates the id; the injected
  names must be valid, must not collide across the step's sources, and must
  not already be in the environment unless allow_override=True — `sources`.

`discover` finds flow files and classes, `env_reads` the variables a step reads,
`scanner` holds one file's scan, `run` drives it all. Findings carry
detail["phase"] = "import" or "task" (when Metaflow would fail) and detail["flow"],
detail["step"].
"""

# Loaded on first use (PEP 562): `show --target` reads decorators through
# `remote_decos` and `discover` only, without the @secrets checks' imports.
_EXPORTS = {
    "find_flow_files": "discover", "flow_classes": "discover", "env_reads": "env_reads",
    "FlowScan": "model", "SecretRef": "model", "analyze_flow_file": "run",
    "collect_secret_refs": "run", "run_flow_checks": "run", "scan_flow_file": "run",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module("%s.%s" % (__name__, _EXPORTS[name])), name)
