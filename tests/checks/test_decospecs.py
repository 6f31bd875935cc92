"""Key Vault ids in `secrets` decorator specs written in a setting
(`METAFLOW_DEFAULT_DECOSPECS`, `METAFLOW_RUN_DECOSPECS`) get `check azure --secret`'s
rules in `lint`; the spec is parsed as Metaflow parses it (oracle: Metaflow's own
parser, in a subprocess)."""

import json
import subprocess
import sys

import pytest

from env_helpers import resolve_in
from mfdoctor.checks.decospecs import secret_sources
from mfdoctor.checks.lint import run_lint

SPECS = [
    'secrets:sources=["db-password","az-key-vault.api-key"]',
    'secrets:sources=[{"type":"az-key-vault","id":"tok","options":{"env_var_name":"TOKEN"}}],role=r1',
    'secrets:role=arn:aws:iam::1:role/x,sources=["a.b"]',
    'secrets:sources=[\\"escaped\\"]',
    "secrets:sources=not-json",
    "kubernetes:cpu=2",
]


def _metaflow_sources(specs):
    """What Metaflow's own decospec parser gives as `sources` for each spec."""
    code = (
        "import json, sys\n"
        "from metaflow.decorators import Decorator\n"
        "out = []\n"
        "for s in json.load(sys.stdin):\n"
        "    name, _, attrs = s.partition(':')\n"
        "    kw = Decorator.extract_args_kwargs_from_decorator_spec(attrs)[1]\n"
        "    src = kw.get('sources') if name == 'secrets' else None\n"
        "    out.append(src if isinstance(src, list) else [])\n"
        "print(json.dumps(out))\n")
    p = subprocess.run([sys.executable, "-c", code], input=json.dumps(specs), capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_specs_are_parsed_as_metaflow_parses_them():
    assert [secret_sources(s) for s in SPECS] == _metaflow_sources(SPECS)


def test_key_vault_ids_in_decospecs_get_the_secret_id_rules(home, tmp_path):
    (tmp_path / "ci.env").write_text(
        "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE=az-key-vault\n"
        "METAFLOW_AZURE_KEY_VAULT_PREFIX=https://team-kv.vault.azure.net\n"
        'METAFLOW_DEFAULT_DECOSPECS=kubernetes secrets:sources=["db_password","api-key",'
        '"aws-secrets-manager.db_password",{"type":"az-key-vault","id":"tok","options":{"env_var_name":"1BAD"}}]\n')
    # no default backend and no type: nothing certain to say
    (tmp_path / "other.env").write_text('METAFLOW_RUN_DECOSPECS=secrets:sources=["db_password"]\n')
    findings = run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
    bad = sorted((f.location.path.rsplit("/", 1)[-1], f.location.line, f.severity, f.check)
                 for f in findings if f.severity in ("error", "warning"))
    assert bad == [("ci.env", 3, "error", "azure.secret-id")] * 2
    msgs = " ".join(f.message for f in findings if f.check == "azure.secret-id")
    # the short id with '_' (Key Vault names cannot hold one) and the refused variable name
    assert "'db_password'" in msgs and "'1BAD'" in msgs
    assert "api-key" not in msgs and "aws-secrets-manager" not in msgs


@pytest.mark.parametrize("prefix_line,expected", [
    # the file sets the prefix: its value decides
    ("METAFLOW_AZURE_KEY_VAULT_PREFIX=http://team-kv.vault.azure.net\n", "azure.vault-prefix"),
    # the file does not: the effective configuration's (none) decides
    ("", "azure.secret-id"),
])
def test_the_vault_prefix_comes_from_the_file_else_the_configuration(home, tmp_path, prefix_line, expected):
    (tmp_path / "ci.env").write_text(
        prefix_line + 'METAFLOW_DEFAULT_DECOSPECS=secrets:sources=["az-key-vault.api-key"]\n')
    checks = {f.check for f in run_lint([str(tmp_path)], res=resolve_in(home, tmp_path))
              if f.severity == "error"}
    assert expected in checks
