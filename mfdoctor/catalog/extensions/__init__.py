"""Installed Metaflow extensions (`metaflow_extensions/<org>/...`), found and read without
importing them. Mirrors `metaflow/extension_support/__init__.py`:

- `discover`: the packages providing `metaflow_extensions`, in Metaflow's load order;
- `interpret`: the names one extension module defines, and their values where known;
- `assemble`: per package and org, the config and plugins modules of each extension
  point, read with the interpreter, and the errors that make `import metaflow` fail.

For the catalog, the config modules (`<org>/config/mfextinit_*.py`) matter most: after
all `from_conf` calls, Metaflow copies every top-level name of each one (except dunder
names and modules) into `metaflow_config`, so their values beat the environment, and a
new UPPERCASE name is a new key.

Not mirrored: the INFO file of a code package (only inside a running task) and the
meta-module file filters (they only affect packaging).
"""

from .assemble import extension_configs, parse_config_module, parse_plugins_module
from .discover import EXT_PKG, discover_packages, extension_source_files

__all__ = [
    "EXT_PKG",
    "discover_packages",
    "extension_configs",
    "extension_source_files",
    "parse_config_module",
    "parse_plugins_module",
]
