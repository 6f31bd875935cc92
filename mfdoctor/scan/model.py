"""What a file scanner returns: occurrences of METAFLOW_* names, and problems
with the file itself. Plain data, picklable, so a process pool can return it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..settings import id_matches

# Occurrence contexts (what kind of syntax the name was found in).
ENV_FILE = "env-file"  # KEY=VALUE line of a .env file
SHELL = "shell"  # export KEY=VALUE / KEY=VALUE in a shell script
DOCKER_ENV = "dockerfile-env"
DOCKER_ARG = "dockerfile-arg"
K8S_ENV = "k8s-env"  # - name: KEY / value: VALUE
YAML_MAP = "yaml-map"  # KEY: VALUE (GitHub Actions env, compose map, Helm values)
YAML_LIST = "yaml-list"  # - KEY=VALUE (compose environment list)
JSON_KEY = "json-key"  # "KEY": VALUE in a JSON object
CONFIG_KEY = "config-key"  # top-level key of a Metaflow config file
PY_READ = "python-read"  # os.environ[...] / os.getenv(...) / os.environ.get(...)
PY_SET = "python-set"  # os.environ[...] = "v", setdefault, dict literal
ASSIGN = "assignment"  # KEY=VALUE inside other text (docker run -e, a run: block)
MENTION = "mention"  # the name appears, no value syntax around it

_NO_VALUE = object()


@dataclass
class Occurrence:
    name: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    context: str = MENTION
    # The value the syntax gives (str from text formats; any JSON type from
    # JSON files); None with has_value False when the syntax gives none.
    value: Any = None
    has_value: bool = False
    # Where the value starts, when known (for value findings).
    value_line: Optional[int] = None
    value_column: Optional[int] = None
    # The unrendered template placeholder found in the value ("${var}", "{{ .Values.x }}",
    # "<your-bucket>", ...), or None. Such a value is unknown until the template is
    # rendered: its value checks are skipped with that reason; the name is still checked.
    template: Optional[str] = None


@dataclass
class FileProblem:
    check: str  # check id, e.g. lint.parse-error
    severity: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None
    fix: Optional[str] = None


@dataclass
class ScanResult:
    path: str  # as given / as walked (relative when walked from a relative dir)
    kind: str  # env|shell|dockerfile|yaml|json|python|text|skipped
    occurrences: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    # line -> frozenset of suppressed check ids (empty frozenset: all checks)
    suppressions: dict = field(default_factory=dict)
    # Metaflow config file (.metaflow/config.json, ~/.metaflowconfig/config*.json)
    metaflow_config: bool = False
    # For JSON config files: top-level keys without the METAFLOW_ prefix,
    # as (key, line, column, value).
    unprefixed_keys: list = field(default_factory=list)
    # Duplicate keys in a JSON object: (key, line, column).
    duplicate_keys: list = field(default_factory=list)

    def suppressed(self, check: str, line: Optional[int]) -> bool:
        if line is None or not self.suppressions:
            return False
        ids = self.suppressions.get(line)
        if ids is None:
            return False
        if not ids:
            return True
        return any(id_matches(check, pat) for pat in ids)
