"""The oracle: run with a setup venv's python (no mfdoctor on the path). Imports the
real Metaflow and prints one JSON line: the effective metaflow_config globals (after
extensions), the ENABLED_* plugin lists, `_all_configs`' names and the flow CLI's click
auto-envvar names (walking the real click tree) — or the import error."""
import json
import sys
import types

try:
    import metaflow.metaflow_config as m
    import metaflow.metaflow_config_funcs as f
except BaseException as e:  # noqa: B902 - any failure is the answer
    print(json.dumps({"import_error": "%s: %s" % (type(e).__name__, e)}))
    sys.exit(0)


def jsonable(v):
    try:
        json.dumps(v)
        return v
    except TypeError:
        return repr(v)


g = {n: jsonable(v) for n, v in vars(m).items()
     if not n.startswith("_") and n.isupper()
     and not isinstance(v, (types.ModuleType, types.FunctionType, type))}
try:
    import metaflow.extension_support.plugins as p

    g.update({n: jsonable(v) for n, v in vars(p).items() if n.startswith("ENABLED_")})
except Exception:
    pass

names = set()
if "--cli" in sys.argv:
    from metaflow._vendor import click
    import metaflow.cli as cli

    def walk(cmd, prefix, ctx):
        for prm in cmd.params:
            if isinstance(prm, click.Option) and prm.name:
                names.add("%s_%s" % (prefix, prm.name.upper()))
            if prm.envvar:
                names.update([prm.envvar] if isinstance(prm.envvar, str) else prm.envvar)
        if isinstance(cmd, click.MultiCommand):
            for sub in cmd.list_commands(ctx):
                c = cmd.get_command(ctx, sub)
                if c is not None:
                    walk(c, ("%s_%s" % (prefix, sub.upper())).replace("-", "_"),
                         click.Context(c, info_name=sub, parent=ctx))

    root = cli.start
    while not isinstance(root, click.BaseCommand):  # 2.12.x wraps it: @tracing.cli_entrypoint
        root = root.__wrapped__
    walk(root, "METAFLOW", click.Context(root, info_name="flow.py", auto_envvar_prefix="METAFLOW"))

print(json.dumps({"globals": g, "all_configs": sorted(f._all_configs), "cli": sorted(names),
                  "version": getattr(__import__("metaflow"), "__version__", None)}))
