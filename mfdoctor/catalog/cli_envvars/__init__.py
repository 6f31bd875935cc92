"""Environment variables the flow CLI reads through click, found with `ast` (see
`envvars` for the rules): `click_rules` (click 7.1.2's naming), `module` (the click
objects of one module), `tree` (the command tree across modules), `envvars` (the walk
from `start` down, collecting every name)."""

from .click_rules import argument_name, option_name, sub_prefix
from .envvars import cli_envvars, cli_parameter_prefixes, cli_tree

__all__ = ["argument_name", "option_name", "sub_prefix", "cli_envvars", "cli_parameter_prefixes", "cli_tree"]
