"""What a file scanner returns: occurrences of METAFLOW_* names, and problems
with the file itself. Plain data, picklable, so a process pool can return it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..settings import id_matches

# Occurrence contexts (what kind of syntax the name was found in).
ENV_FILE = "env-file"  # KEY=VALUE line of a .env file
SHELL = "shell"  # export KEY=VALUE / KEY=VALUE / env KEY=VALUE in shell (also embedded)
SHELL_READ = "shell-read"  # $KEY / ${KEY:-default} in shell: a read, never a set
DOCKER_ENV = "dockerfile-env"
DOCKER_ARG = "dockerfile-arg"
K8S_ENV = "k8s-env"  # - name: KEY / value: VALUE
YAML_MAP = "yaml-map"  # KEY: VALUE (GitHub Actions env, compose map, Helm values)
YAML_LIST = "yaml-list"  # - KEY=VALUE (compose environment list)
JSON_KEY = "json-key"  # "KEY": VALUE in a JSON object
CONFIG_KEY = "config-key"  # top-level key of a Metaflow config file
PY_READ = "python-read"  # os.environ[...] / os.getenv(...) / os.environ.get(...)
PY_SET = "python-set"  # os.environ[...] = "v", setdefault, dict literal
ASSIGN = "assignment"  # KEY=VALUE as a command argument or whole string (docker run -e, argv)
# The name appears with no setting syntax around it: only from formats read as
# text (a compose `- METAFLOW_X` pass-through, a file of an unknown type named on
# the command line, invalid YAML/JSON). Comments, Python identifiers and messages
# give no occurrence at all.
MENTION = "mention"
TF_ENV = "terraform-env"  # a METAFLOW_ key/`name =` of an env map or block in Terraform
CONFIG_MAP = "config-map"  # key of a map written out as a Metaflow config (jsonencode, Tiltfile)

# Contexts where the file's program reads the variable: nothing is set there, so
# there is no value to check (an unknown name there is that program's own).
READ_CONTEXTS = frozenset({PY_READ, SHELL_READ})

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
    # "<your-bucket>", "$HOME", "$(cmd)", "{nonce}", "!Ref X", ...), or None. Such a value
    # is unknown until the template is rendered: its value checks are skipped with that
    # reason; the name is still checked. `value` then holds the text as written, so its
    # literal parts (a scheme) can still be judged.
    # Also set with has_value False when the file says the value comes from elsewhere:
    # "valueFrom: secretKeyRef" (Kubernetes: from a secret), "value_from: secret_key_ref"
    # (Terraform), or a Terraform expression ("var.x", "local.y").
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
    # env|shell|dockerfile|yaml|json|python|terraform|makefile|justfile|tox|tiltfile|helm|
    # text|skipped (see detect.py). `metaflow_config` says whether it is a Metaflow config
    # file; every other kind is a file another program reads (environment-like).
    kind: str
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
    # The file's cache key (scan/cache.py) when this result is, or may be, kept between
    # runs; None for a file that never is (a secret in it, just modified, named by hand).
    stamp: Optional[tuple] = None

    def suppressed(self, check: str, line: Optional[int]) -> bool:
        if line is None or not self.suppressions:
            return False
        ids = self.suppressions.get(line)
        if ids is None:
            return False
        if not ids:
            return True
        return any(id_matches(check, pat) for pat in ids)
