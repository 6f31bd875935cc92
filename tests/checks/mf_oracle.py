"""Metaflow as the oracle: run in a subprocess (mfdoctor never imports metaflow).

    python mf_oracle.py MODE < cases.json > verdicts.json

Modes (one JSON document in, one out, so a whole generated batch costs one
`import metaflow`):

* sysroot:  ["<value>", ...] -> [{"ok": bool, "error": str|None, "container", "blob"}]
* secret:   [{"id", "prefix", "env_var_name"}, ...] -> [{"ok", "error", "vault_url",
            "name", "version", "env": [names]}]: AzureKeyVaultSecretsProvider.get_secret_as_dict
            with Key Vault replaced by a fake that echoes the requested name, then
            validate_env_vars, exactly as SecretsDecorator.task_pre_step does.
* flows:    {"files": [...], "env": {...}, "default_backend", "prefix"} -> per file
            {"import_error": str|None, "steps": {"Flow.step": null | "error text"}}:
            the flow module imported by Metaflow (class bodies run the decorators), then
            each step's SecretsDecorator.task_pre_step run in `env`.
* identity: [{"env": {...}, "cwd": "..."}, ...] -> [{"identity": [type, value] | null,
            "error": str|None}]: USER re-read with Metaflow's own from_conf (config files
            re-found from `cwd`), then util.get_username / resolve_identity_as_tuple.
"""

import hashlib
import importlib.util
import json
import os
import sys
import traceback


def _err(e):
    return "%s: %s" % (type(e).__name__, e)


def mode_sysroot(cases):
    from metaflow.plugins.azure.azure_utils import parse_azure_full_path

    out = []
    for v in cases:
        try:
            c, b = parse_azure_full_path(v)
            out.append({"ok": True, "error": None, "container": c, "blob": b})
        except Exception as e:  # noqa: BLE001 - any rejection counts
            out.append({"ok": False, "error": _err(e), "container": None, "blob": None})
    return out


class _FakeSecret:
    def __init__(self, name):
        self.name = name
        self.value = "fake-value"


class _FakeSecretClient:
    calls = []

    def __init__(self, vault_url, credential):
        self.vault_url = vault_url

    def get_secret(self, name, version=None):
        _FakeSecretClient.calls.append((self.vault_url, name, version))
        return _FakeSecret(name)


def _patch_key_vault():
    import azure.keyvault.secrets as kvs
    from metaflow.plugins.azure import azure_secret_manager_secrets_provider as prov

    kvs.SecretClient = _FakeSecretClient
    prov.create_cacheable_azure_credential = lambda: None
    return prov


def mode_secret(cases):
    prov = _patch_key_vault()
    from metaflow.plugins.secrets.utils import validate_env_vars

    provider = prov.AzureKeyVaultSecretsProvider()
    out = []
    for c in cases:
        prov.AZURE_KEY_VAULT_PREFIX = c.get("prefix")
        _FakeSecretClient.calls = []
        options = {}
        if c.get("env_var_name") is not None:
            options["env_var_name"] = c["env_var_name"]
        r = {"ok": False, "error": None, "vault_url": None, "name": None, "version": None, "env": []}
        try:
            env = provider.get_secret_as_dict(c["id"], options=options)
            if _FakeSecretClient.calls:
                r["vault_url"], r["name"], r["version"] = _FakeSecretClient.calls[-1]
            r["env"] = list(env)
            validate_env_vars(env)
            r["ok"] = True
        except Exception as e:  # noqa: BLE001
            r["error"] = _err(e)
            if _FakeSecretClient.calls:
                r["vault_url"], r["name"], r["version"] = _FakeSecretClient.calls[-1]
        out.append(r)
    return out


def mode_flows(doc):
    sys.dont_write_bytecode = True  # leave no __pycache__ next to the fixtures
    _patch_key_vault()
    import metaflow.metaflow_config as mc
    from metaflow import FlowSpec
    from metaflow.plugins.azure import azure_secret_manager_secrets_provider as prov

    mc.DEFAULT_SECRETS_BACKEND_TYPE = doc.get("default_backend")
    prov.AZURE_KEY_VAULT_PREFIX = doc.get("prefix")
    base_env = dict(os.environ)
    out = {}
    for i, path in enumerate(doc["files"]):
        res = {"import_error": None, "steps": {}}
        out[path] = res
        name = "mfd_oracle_flow_%d" % i
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            spec.loader.exec_module(mod)
        except Exception as e:  # noqa: BLE001
            res["import_error"] = _err(e)
            continue
        for cname, cls in vars(mod).items():
            if not (isinstance(cls, type) and issubclass(cls, FlowSpec) and cls.__module__ == name):
                continue
            for attr, fn in list(vars(cls).items()):
                if not hasattr(fn, "is_step"):
                    continue
                for deco in fn.decorators:
                    if deco.name != "secrets":
                        continue
                    os.environ.clear()
                    os.environ.update(doc.get("env", {}))
                    try:
                        deco.external_init()
                        deco.task_pre_step(attr, None, None, "1", "1", None, None, 0, 0, None, None)
                        res["steps"]["%s.%s" % (cname, attr)] = None
                    except Exception as e:  # noqa: BLE001
                        res["steps"]["%s.%s" % (cname, attr)] = _err(e)
                    finally:
                        os.environ.clear()
                        os.environ.update(base_env)
    return out


def mode_identity(cases):
    import metaflow.metaflow_config as mc
    import metaflow.metaflow_config_funcs as mcf
    from metaflow import util

    base_env = dict(os.environ)
    base_cwd = os.getcwd()
    out = []
    for c in cases:
        os.environ.clear()
        os.environ.update(c["env"])
        os.chdir(c["cwd"])
        mcf.METAFLOW_CONFIG = None
        mcf.METAFLOW_LOCAL_CONFIG = None
        r = {"identity": None, "error": None, "user_key": None}
        try:
            mc.USER = mcf.from_conf("USER")
            r["user_key"] = mc.USER
            t, v = util.resolve_identity_as_tuple()
            if t == "production":
                v = hashlib.sha256(v.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            r["identity"] = [t, v]
            r["username"] = util.get_username()
        except Exception as e:  # noqa: BLE001
            r["error"] = _err(e)
        out.append(r)
    os.environ.clear()
    os.environ.update(base_env)
    os.chdir(base_cwd)
    return out


def run(mode, doc, *, home, cwd=None, env=None, timeout=120):
    """Client side (used by the tests): one subprocess with a clean environment."""
    import subprocess

    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "METAFLOW_HOME": home, "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8"}
    base.update(env or {})
    p = subprocess.run([sys.executable, os.path.abspath(__file__), mode], input=json.dumps(doc),
                       capture_output=True, text=True, env=base, cwd=cwd or home, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("oracle %s failed (%d):\n%s" % (mode, p.returncode, p.stderr[-4000:]))
    return json.loads(p.stdout)


def main():
    mode = sys.argv[1]
    doc = json.load(sys.stdin)
    try:
        result = {"sysroot": mode_sysroot, "secret": mode_secret, "flows": mode_flows,
                  "identity": mode_identity}[mode](doc)
    except Exception:  # pragma: no cover - shown by the test on failure
        traceback.print_exc()
        sys.exit(3)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
