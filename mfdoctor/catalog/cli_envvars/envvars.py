"""Environment variables the flow CLI reads through click, found with `ast`.

`metaflow/cli.py` runs its top-level command as `start(auto_envvar_prefix="METAFLOW")`.
Metaflow vendors click 7.1.2, where (core.py, Context.__init__ and Option.resolve_envvar_value):
- a sub-context's prefix is `<parent prefix>_<INFO_NAME>` upper-cased with `-` -> `_`,
  INFO_NAME being the name the subcommand is registered (and typed) under;
- an Option reads its explicit `envvar=` first, then `<prefix>_<NAME>` with NAME the
  option's Python name upper-cased (unless `allow_from_autoenv=False`);
- an Argument reads only an explicit `envvar=`.

So `flow.py run --max-workers` can come from METAFLOW_RUN_MAX_WORKERS.

The tree: `start` is a CommandCollection over the `cli` group (whose own commands
and `lazy_subcommands` become top-level commands) and over each plugin CLI of the
"cli" plugin category (core and extensions): the plugin's `cli` group is flattened,
so `@cli.group() def kubernetes()` is the top-level `kubernetes` command.

Options that exist only with a flow are handled as follows:
- `add_decorator_options` adds each flow decorator's `options` (e.g. @project's
  --branch/--production) with explicit envvar METAFLOW_FLOW_<OPTION>: we read the
  `options` dicts of the flow decorator classes, so both names are listed;
- `config_options` adds --config/--config-value (only when the flow has a Config):
  found as `click.Option(...)` calls inside that helper, so they are listed;
- `add_custom_parameters` adds one option per flow Parameter: names are the flow's,
  so we return the prefixes instead (`parameter_prefixes`, e.g. "METAFLOW_RUN_").
Helper decorators are recognised by those names; any other helper's body is scanned
for click.option/click.Option/click.argument calls (a superset is fine).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional

from ..pysource import rel_location
from .click_rules import option_name, sub_prefix
from .tree import CommandTree

ROOT_FILE = "cli.py"
ROOT_MODULE = "metaflow.cli"
_PARAMS_HELPER = "add_custom_parameters"
_FLOW_DECO_HELPER = "add_decorator_options"
_FLOW_DECO_ENVVAR = "METAFLOW_FLOW_%s"  # decorators.add_decorator_options


def cli_tree(pkg_dir: str, extensions: Optional[list] = None) -> dict:
    """The flow CLI's environment variables and where each comes from.

    {"envvars": {NAME: {"command": "run", "option": "--max-workers", "kind": "auto"|"explicit",
                        "location": "metaflow/cli_components/run_cmds.py:146",
                        "flow_only": bool, "via": helper name or None}},
     "parameter_prefixes": {"METAFLOW_RUN_": "run", ...},   # + a flow Parameter's name
     "commands": ["", "run", "argo-workflows create", ...],
     "disabled": {NAME: detail + "plugin", "removed_by"}}  # options of CLI groups removed
    `extensions` is `extension_configs()` output (adds extension CLIs and flow decorators).
    """
    tree = CommandTree(pkg_dir, extensions)
    root_mod = tree.module(ROOT_MODULE, os.path.join(pkg_dir, ROOT_FILE))
    if root_mod is None or not root_mod.root_calls:
        return {"envvars": {}, "parameter_prefixes": {}, "commands": [], "disabled": {}}
    envvars, prefixes, commands = _walk(tree, pkg_dir, *root_mod.root_calls[0])
    # The command groups an extension's TOGGLE_CLI removes (Outerbounds: batch,
    # step-functions, airflow): their options are read by nothing, unless the user's
    # own ENABLED_CLI brings them back (which makes Metaflow ignore the toggles).
    disabled: Dict[str, dict] = {}
    if tree.disabled_cli:
        tree.include_disabled = True
        more = _walk(tree, pkg_dir, *root_mod.root_calls[0])[0]
        tree.include_disabled = False
        for name, detail in more.items():
            plugin = (detail["command"] or "").split(" ")[0]
            if name not in envvars and plugin in tree.disabled_cli:
                disabled[name] = dict(detail, plugin=plugin, removed_by=tree.disabled_cli[plugin])
    return {
        "envvars": {k: envvars[k] for k in sorted(envvars)},
        "parameter_prefixes": {k: prefixes[k] for k in sorted(prefixes)},
        "commands": sorted(set(commands)),
        "disabled": {k: disabled[k] for k in sorted(disabled)},
    }


def _walk(tree: CommandTree, pkg_dir: str, root_var: str, root_prefix: str) -> tuple:
    """(envvars, parameter prefixes, commands) of the tree from `start` down."""
    envvars: Dict[str, dict] = {}
    prefixes: Dict[str, str] = {}
    commands: List[str] = []

    def add(name, command, param, kind, via=None, flow_only=False):
        if name not in envvars:
            envvars[name] = {
                "command": command,
                "option": param["decl"],
                "kind": kind,
                "location": rel_location(param["path"], pkg_dir, param["line"]),
                "flow_only": flow_only,
                "via": via,
            }

    def add_param(p, prefix, command, via=None, flow_only=False):
        for e in p["envvars"]:
            add(e, command, p, "explicit", via, flow_only)
        if p["autoenv"] and p["name"]:
            add("%s_%s" % (prefix, p["name"].upper()), command, p, "auto", via, flow_only)

    def visit(key, prefix, path, stack, inherited_help):
        if key in stack:
            return
        cmd, mod = tree.command(key), tree.module(key[0])
        if cmd is None:
            return
        command = " ".join(path)
        commands.append(command)
        for p in cmd["params"]:
            add_param(p, prefix, command)
        # click adds a help option to every command (Command.get_params); it is an Option
        # like any other, so METAFLOW_RUN_HELP=1 makes `run` print its help. Its names come
        # from context_settings, inherited from the parent context.
        help_names = cmd["help_names"] or inherited_help
        if cmd["help_option"] and help_names:
            help_param = {
                "decl": next((n for n in help_names if n.startswith("--")), help_names[0]),
                "name": option_name(help_names),
                "envvars": [],
                "autoenv": True,
                "path": mod.path,
                "line": cmd["line"],
            }
            add_param(help_param, prefix, command)
        for helper in cmd["helpers"]:
            last = helper.rpartition(".")[2]
            if last == _PARAMS_HELPER:
                prefixes.setdefault(prefix + "_", command)
            elif last == _FLOW_DECO_HELPER:
                for o in tree.flow_decorator_options():
                    p = {
                        "decl": "--" + o["option"],
                        "name": option_name(["--" + o["option"]]),
                        "envvars": [_FLOW_DECO_ENVVAR % o["option"].upper()],
                        "autoenv": True,
                        "path": o["path"],
                        "line": o["line"],
                    }
                    add_param(p, prefix, command, via="@%s" % o["decorator"], flow_only=True)
            else:
                for p in tree.helper_params(mod, helper):
                    add_param(p, prefix, command, via=last, flow_only=p.get("programmatic", False))
        for name, child in tree.children(key):
            visit(child, sub_prefix(prefix, name), path + [name], stack | {key}, help_names)

    visit((ROOT_MODULE, root_var), root_prefix.upper().replace("-", "_"), [], frozenset(), ["--help"])
    return envvars, prefixes, commands


def cli_envvars(pkg_dir: str, extensions: Optional[list] = None) -> Dict[str, dict]:
    """{METAFLOW_...: detail} for every click option of the flow CLI, sorted by name.

    Iterating it (or `sorted()`) gives the names. See `cli_tree` for the detail shape.
    """
    return cli_tree(pkg_dir, extensions)["envvars"]


def cli_parameter_prefixes(pkg_dir: str, extensions: Optional[list] = None) -> Dict[str, str]:
    """{"METAFLOW_RUN_": "run", ...}: a flow Parameter `max-rows` is also settable as
    METAFLOW_RUN_MAX_ROWS (its name upper-cased, `-` -> `_`)."""
    return cli_tree(pkg_dir, extensions)["parameter_prefixes"]
