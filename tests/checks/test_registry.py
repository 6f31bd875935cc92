"""Every check id the code can report is registered, documented and listed."""

import os
import re

import yaml

from mfdoctor.checks import registry
from mfdoctor.scan.detect import kind_from_name

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "mfdoctor")
ROOT = os.path.dirname(PKG)
# A check id in the code: "<area>.<name>" as a whole string literal (file names
# such as "config.json" are told apart by their extension).
_ID = re.compile(r"""["']((?:config|lint|user|azure|secrets|flow)\.[a-z][a-z0-9-]+)["']""")
_NOT_IDS = {"config.json"}


def _ids_in_source():
    found = {}
    for dirpath, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py") and f != "registry.py":
                text = open(os.path.join(dirpath, f), encoding="utf-8").read()
                for m in _ID.finditer(text):
                    found.setdefault(m.group(1), os.path.join(dirpath, f))
    return found


def test_every_id_in_the_code_is_registered():
    ids = set(registry.all_ids())
    missing = {i: p for i, p in _ids_in_source().items() if i not in ids and i not in _NOT_IDS}
    assert missing == {}


def test_design_ids_are_registered():
    for cid in ["config.unknown-name", "config.invalid-value", "config.ignored-key", "config.file-invalid",
                "config.profile-missing", "user.identity", "azure.sysroot", "azure.endpoint",
                "azure.vault-prefix", "azure.secret-id", "azure.credential", "azure.rbac",
                "azure.container", "azure.keyvault"]:
        assert registry.get(cid) is not None, cid


def test_entries_are_complete_and_unique():
    checks = registry.all_checks()
    assert len({c.id for c in checks}) == len(checks)
    for c in checks:
        assert re.fullmatch(r"[a-z]+\.[a-z][a-z0-9-]+", c.id)
        assert c.severity in ("error", "warning", "info", "skipped")
        assert c.title and "\n" not in c.title and len(c.title) < 90
        assert len(c.doc) > 40


def test_list_checks_and_markdown_table():
    text = registry.format_checks()
    table = registry.markdown_table()
    for c in registry.all_checks():
        assert c.id in text and "`%s`" % c.id in table
    assert registry.describe("not.registered").id == "not.registered"


def test_pre_commit_hooks_file():
    hooks = yaml.safe_load(open(os.path.join(ROOT, ".pre-commit-hooks.yaml")))
    by_id = {h["id"]: h for h in hooks}
    lint = by_id["mfdoctor-lint"]
    assert lint["entry"] == "mfdoctor lint" and lint["language"] == "python"
    assert by_id["mfdoctor-config"]["pass_filenames"] is False
    files = re.compile(lint["files"])
    for path in ["app/.env", ".env.prod", "x/prod.env", "run.sh", "Dockerfile", "docker/Dockerfile.gpu",
                 "k8s/pod.yaml", ".github/workflows/ci.yml", ".metaflow/config.json", "flow.py"]:
        assert files.search(path), path
        assert kind_from_name(path) is not None, path
    for path in ["README.md", "data.csv", "image.png"]:
        assert not files.search(path), path
