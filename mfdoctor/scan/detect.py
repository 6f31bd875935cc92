"""Which scanner reads a file, from its name (and shebang for extensionless
scripts). `None`: not a file type the lint reads when walking a directory.

Kinds (`ScanResult.kind`): env, shell, dockerfile, yaml, json, python,
terraform (.tf, .tfvars, .tf.json, .tftpl), makefile, justfile, tox (tox.ini),
tiltfile (Starlark), helm (.tpl: Helm named templates), text (anything else
named on the command line)."""

from __future__ import annotations

import os
import re
from typing import Optional

_SHELL_EXT = {".sh", ".bash", ".zsh", ".ksh", ".envrc"}
_SHELL_NAMES = {".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".envrc", ".zshenv"}
_YAML_EXT = {".yml", ".yaml"}
_SHEBANG = re.compile(rb"^#![^\n]*\b(?:ba|z|k|da)?sh\b")


_EXT_KIND = {".yml": "yaml", ".yaml": "yaml", ".json": "json", ".py": "python"}
_ENV_EXCLUDED_EXT = (".py", ".json", ".yml", ".yaml", ".sh")


_FAST = dict(_EXT_KIND, **{e: "shell" for e in _SHELL_EXT},
             **{".dockerfile": "dockerfile", ".containerfile": "dockerfile",
                ".tf": "terraform", ".tfvars": "terraform", ".tftpl": "terraform",
                ".tpl": "helm", ".mk": "makefile", ".tiltfile": "tiltfile", ".just": "justfile"})
_NAMES = {"makefile": "makefile", "gnumakefile": "makefile", "justfile": "justfile",
          ".justfile": "justfile", "tox.ini": "tox", "tiltfile": "tiltfile"}


# The two-part extensions of Terraform's JSON syntax.
_COMPOUND_EXT = (".tf.json", ".tfvars.json")
# Base names (lower case) whose kind kind_from_name decides before, or besides, their
# extension: whole names and the prefixes it tests.
NAMED_BASES = tuple(_NAMES) + tuple(_SHELL_NAMES) + ("dockerfile", "containerfile", ".env", "env",
                                                   "tiltfile")


def extension_decides(low_base: str) -> bool:
    """Whether kind_from_name of this lower-case base name follows from its extension
    alone, so that one answer holds for every such name with that extension."""
    return not low_base.startswith(NAMED_BASES) and not low_base.endswith(_COMPOUND_EXT)


def kind_from_name(path: str) -> Optional[str]:
    # Called for every file of a walked tree: string tests, no regex.
    base = path[path.rfind("/") + 1:]
    if os.sep != "/":
        base = base[base.rfind(os.sep) + 1:]
    low = base.lower()
    dot = low.rfind(".")
    ext = low[dot:] if dot > 0 else ""
    named = _NAMES.get(low)
    if named is not None:
        return named
    if low.endswith(_COMPOUND_EXT):
        return "terraform"
    fast = _FAST.get(ext)
    if fast is not None and not low.startswith(("dockerfile", "containerfile", ".env.", "env.")):
        return fast
    if low.startswith("tiltfile."):
        return "tiltfile"
    for stem in ("dockerfile", "containerfile"):
        if low.startswith(stem) and (len(low) == len(stem) or low[len(stem)] == "."):
            return "dockerfile"
    if low.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if (low in (".env", "env") or low.startswith(".env.") or ext == ".env") \
            and ext not in _ENV_EXCLUDED_EXT:
        return "env"
    if ext in _SHELL_EXT or low in _SHELL_NAMES:
        return "shell"
    return _EXT_KIND.get(ext)


def kind_from_content(head: bytes) -> Optional[str]:
    if _SHEBANG.match(head):
        return "shell"
    if head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]:
        return "python"
    return None
