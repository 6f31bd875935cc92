"""Offline Azure checks (issue 4 §2-§4, §6).

The sysroot and secret-id checks are differential: a generated set of values (valid
ones and systematic mutations of them, plus seeded random strings) goes through
Metaflow's own parse_azure_full_path and AzureKeyVaultSecretsProvider in ONE
subprocess (tests/checks/mf_oracle.py), and mfdoctor must report an error exactly
when Metaflow rejects the value or Azure's naming rules do. Azure's rules are
re-implemented here independently (character loops, not mfdoctor's regexes).
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys

import pytest

from mfdoctor.checks import azure_rules as R
from mfdoctor.checks import azure_static as A
from mfdoctor.checks import keyvault_ids as K
from mfdoctor.findings import ERROR, OK, WARNING

try:
    from . import mf_oracle
except ImportError:  # rootdir-relative import mode
    import mf_oracle


def errors(findings):
    return [f for f in findings if f.severity == ERROR]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("mfhome"))


# ---------------------------------------------------------------------------
# Azure's rules, written independently of mfdoctor
# ---------------------------------------------------------------------------

LOWER_DIGITS = set(string.ascii_lowercase + string.digits)


def azure_container_ok(c: str) -> bool:
    if c == "$web":
        return True
    if not 3 <= len(c) <= 63:
        return False
    if any(ch not in LOWER_DIGITS and ch != "-" for ch in c):
        return False
    if c[0] == "-" or c[-1] == "-":
        return False
    return all(not (a == "-" and b == "-") for a, b in zip(c, c[1:]))


def azure_prefix_ok(p) -> bool:
    # a blob name is "<prefix>/<rest>": at most 1024 characters and 254 segments
    return p is None or (len(p) + 2 <= 1024 and p.count("/") + 2 <= 254)


def azure_vault_ok(v: str) -> bool:
    ok_chars = set(string.ascii_letters + string.digits + "-")
    if not 3 <= len(v) <= 24 or any(ch not in ok_chars for ch in v):
        return False
    if v[0] not in string.ascii_letters or v[-1] == "-":
        return False
    return "--" not in v


# ---------------------------------------------------------------------------
# generated sysroots
# ---------------------------------------------------------------------------

CONTAINERS = ["mycontainer", "abc", "a1b", "metaflow-data", "0start", "x" * 63, "a-b-c",
              "data2024", "$web", "$root", "$logs", "ab", "x" * 64, "My-Container", "my_container",
              "my.container", "my--container", "-lead", "trail-", "caf\u00e9", "\u0430bc", "abc\uff11"]
PREFIXES = [None, "metaflow", "a/b/c", "deep/er/path-1", "with.dot", "MixedCase/Prefix", "sp ace",
            "\u00fcn\u00efcode", "x" * 1000, "/".join(["s"] * 252), "/".join(["s"] * 253),
            "a" * 1022, "a" * 1023, "seg./x", "../up", "back\\slash", "tab\there", "end "]


def _sysroot_cases():
    rnd = random.Random(4)
    base = []
    for c in CONTAINERS:
        for p in PREFIXES[:8]:
            base.append(c if p is None else "%s/%s" % (c, p))
    for p in PREFIXES:
        base.append("mycontainer" if p is None else "mycontainer/%s" % p)
    cases = list(base)
    for v in base[:80]:
        c, _, p = v.partition("/")
        cases += ["/" + v, v + "/", v.replace("/", "//", 1), "//" + v, v + "//",
                  " " + v, v + " ", v + "\n", "\t" + v,
                  "az://" + v, "azure://" + v, "https://acct.blob.core.windows.net/" + v,
                  "https://acct.blob.core.windows.net/" + v + "/",
                  "abfss://%s@acct.dfs.core.windows.net/%s" % (c, p),
                  "wasbs://%s@acct.blob.core.windows.net/%s" % (c, p),
                  "http://127.0.0.1:10000/devstoreaccount1/" + v, "s3://" + v,
                  c.upper() + ("/" + p if p else ""), c[:2], c + "-", "-" + c]
    cases += ["", "/", "//", "a", "abc/", "/abc", "abc//def", "abc/def/", "abc/def//ghi", ".", "..",
              "abc/./def", "a b/c", "abc\n/x"]
    alphabet = "abcxyzAB019-_./: @\n\u00e9"
    for _ in range(2500):
        n = rnd.randint(0, 24)
        cases.append("".join(rnd.choice(alphabet) for _ in range(n)))
    # more plausible ones: valid-ish tokens joined by slashes with one random mutation
    for _ in range(1500):
        parts = ["".join(rnd.choice(string.ascii_lowercase + string.digits + "-")
                         for _ in range(rnd.randint(1, 12))) for _ in range(rnd.randint(1, 4))]
        v = "/".join(parts)
        if rnd.random() < 0.5 and v:
            i = rnd.randrange(len(v) + 1)
            v = v[:i] + rnd.choice(["/", "//", "A", "_", " ", "--", ".", "://"]) + v[i:]
        cases.append(v)
    return list(dict.fromkeys(cases))


@pytest.fixture(scope="module")
def sysroot_run(home):
    cases = _sysroot_cases()
    ours = {v: A.check_sysroot(v) for v in cases}
    suggestions = sorted({f.suggestion for fs in ours.values() for f in fs if f.suggestion})
    verdicts = mf_oracle.run("sysroot", cases + suggestions, home=home)
    by_value = dict(zip(cases + suggestions, verdicts))
    return cases, ours, suggestions, by_value


def test_sysroot_differential(sysroot_run):
    cases, ours, _, mf = sysroot_run
    assert len(cases) > 3500
    mismatches = []
    n_mf_reject = n_azure_reject = 0
    for v in cases:
        verdict = mf[v]
        azure_bad = verdict["ok"] and not (azure_container_ok(verdict["container"])
                                           and azure_prefix_ok(verdict["blob"]))
        n_mf_reject += not verdict["ok"]
        n_azure_reject += azure_bad
        expected = (not verdict["ok"]) or azure_bad
        got = bool(errors(ours[v]))
        if got != expected:
            mismatches.append((v, verdict, [f.message for f in ours[v]]))
        # mfdoctor quotes Metaflow's own message for what Metaflow rejects
        if not verdict["ok"]:
            quoted = [f.detail.get("metaflow_error") for f in ours[v] if f.detail.get("metaflow_error")]
            assert quoted and verdict["error"] == "ValueError: " + quoted[0], (v, verdict, quoted)
        if verdict["ok"] and not got:
            oks = [f for f in ours[v] if f.severity == OK]
            assert oks and oks[0].detail["container"] == verdict["container"]
            assert oks[0].detail.get("prefix") == verdict["blob"]
    assert not mismatches, mismatches[:10]
    # the generator exercises both kinds of rejection and plenty of valid values
    assert n_mf_reject > 800 and n_azure_reject > 800 and len(cases) - n_mf_reject - n_azure_reject > 800


def test_sysroot_suggestions_are_accepted_by_metaflow_and_azure(sysroot_run):
    _, ours, suggestions, mf = sysroot_run
    assert len(suggestions) > 100
    for s in suggestions:
        v = mf[s]
        assert v["ok"] and azure_container_ok(v["container"]) and azure_prefix_ok(v["blob"]), (s, v)
        assert not errors(A.check_sysroot(s))


@pytest.mark.parametrize("value,corrected", [
    ("az://mycontainer/metaflow", "mycontainer/metaflow"),
    ("azure://mycontainer/metaflow/", "mycontainer/metaflow"),
    ("https://myaccount.blob.core.windows.net/mycontainer/metaflow", "mycontainer/metaflow"),
    ("abfss://mycontainer@myaccount.dfs.core.windows.net/mf/data", "mycontainer/mf/data"),
    ("wasbs://mycontainer@myaccount.blob.core.windows.net/mf", "mycontainer/mf"),
    ("https://127.0.0.1:10000/devstoreaccount1/mycontainer/mf", "mycontainer/mf"),
    ("mycontainer/metaflow/", "mycontainer/metaflow"),
    ("/mycontainer//metaflow", "mycontainer/metaflow"),
    ("MyContainer/metaflow", "mycontainer/metaflow"),
    (" mycontainer/metaflow", "mycontainer/metaflow"),
])
def test_sysroot_fix_is_the_exact_corrected_value(value, corrected):
    fs = errors(A.check_sysroot(value))
    assert fs and fs[0].suggestion == corrected
    assert "export METAFLOW_DATASTORE_SYSROOT_AZURE=%s" % corrected in fs[0].fix


def test_sysroot_scheme_fix_names_the_endpoint_and_file_fix():
    from mfdoctor.findings import Location

    f = errors(A.check_sysroot("https://myaccount.blob.core.windows.net/c0nt/p"))[0]
    assert "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT=https://myaccount.blob.core.windows.net/" in f.fix
    loc = Location("/x/.metaflow/config.json", 3, 5)
    f = errors(A.check_sysroot("az://c0nt/p", location=loc, source="local", origin=loc.path))[0]
    assert f.fix == 'set "METAFLOW_DATASTORE_SYSROOT_AZURE": "c0nt/p" in /x/.metaflow/config.json'
    assert f.location == loc


def test_sysroot_required_and_ok():
    f = A.check_sysroot(None, required=True)
    assert f[0].severity == ERROR and "Could not find the location of the datastore" in f[0].message
    assert A.check_sysroot(None) == []
    ok = A.check_sysroot("mycontainer/metaflow")
    assert [x.severity for x in ok] == [OK] and "container 'mycontainer'" in ok[0].message


# ---------------------------------------------------------------------------
# generated secret ids and vault prefixes
# ---------------------------------------------------------------------------

VAULTS = ["my-keyvault", "kv1", "abc", "a" * 24, "a" * 25, "ab", "1vault", "vault-", "-vault",
          "my--vault", "My-Vault", "my_vault", "my.vault", "vault1"]
DOMAINS = list(R.KEY_VAULT_DOMAINS) + [".vault.azure.com", ".VAULT.AZURE.NET", ".vault.azure.net:443",
                                       ".vault.azure.net.evil.com", ".managedhsm.azure.net"]
NAMES = ["api-key", "a", "A1", "x" * 127, "x" * 128, "1key", "-key", "api_key", "api.key", "api key",
         "key\n", "\u043a\u043b\u044e\u0447", "METAFLOW-TOKEN", "metaflow-x", "secrets", "Api-Key"]
VERSIONS = [None, "ec96f02080254f109c51a1f14cdb1931", "EC96F02080254F109C51A1F14CDB1931",
            "ec96f02080254f109c51a1f14cdb193", "ec96f02080254f109c51a1f14cdb19311",
            "zz96f02080254f109c51a1f14cdb1931", "ec96f020-0254f109c51a1f14cdb1931", ""]
PREFIX_VALUES = ["https://my-keyvault.vault.azure.net", "https://my-keyvault.vault.azure.net/", None, "",
                 "https://my-keyvault.vault.azure.net/secrets/", "https://my-keyvault.vault.azure.net/secrets",
                 "http://my-keyvault.vault.azure.net", "my-keyvault.vault.azure.net",
                 "https://kv.vault.azure.net", "https://1vault.vault.azure.net",
                 "https://my-keyvault.vault.azure.cn", "https://my-keyvault.vault.azure.net?x=1",
                 "https://my-keyvault.vault.azure.net:443", "https://my-keyvault.vault.azure.net\n",
                 " https://my-keyvault.vault.azure.net", "https://MY-KEYVAULT.vault.azure.net",
                 "https://my-keyvault.VAULT.AZURE.NET", "https://vault-.vault.azure.net"]
ENV_NAMES = [None, "CUSTOM", "1X", "METAFLOW_X", "a-b", "a b", "", "X.Y/Z", "metaflow_x"]
P0 = PREFIX_VALUES[0]


def _secret_cases():
    rnd = random.Random(7)
    cases = []

    def full(v, d, n, ver=None):
        return "https://%s%s/secrets/%s%s" % (v, d, n, "" if ver is None else "/" + ver)

    for n in NAMES:
        for ver in VERSIONS:
            cases.append({"id": full("my-keyvault", DOMAINS[0], n, ver), "prefix": None})
            short = n if ver is None else "%s/%s" % (n, ver)
            for p in PREFIX_VALUES:
                cases.append({"id": short, "prefix": p})
    for v in VAULTS:
        for d in DOMAINS:
            cases.append({"id": full(v, d, "api-key"), "prefix": None})
            cases.append({"id": "api-key", "prefix": "https://%s%s" % (v, d)})
    base = full("my-keyvault", DOMAINS[0], "api-key")
    for mutated in [base + "/", base + "//", base.replace("/secrets/", "/keys/"),
                    base.replace("/secrets/", "/certificates/"), base.replace("/secrets/", "/Secrets/"),
                    base.replace("/secrets/", "//secrets/"), base + "?api-version=7.4", base + "#frag",
                    base + ";p", "HTTPS://" + base[8:], "http://" + base[8:], " " + base, base + "\n",
                    base.replace("https://", "https://user@"), "https://my-keyvault.vault.azure.net",
                    "https://my-keyvault.vault.azure.net/secrets", "https://my-keyvault.vault.azure.net/secrets/",
                    "https://[::1/secrets/x", base + "/ec96f02080254f109c51a1f14cdb1931/extra",
                    "https://my-keyvault.vault.azure.net/secrets/api-key/", "", "/", "api-key/", "/api-key",
                    "api-key//", "a/b/c", "vault.azure.net/secrets/api-key", "api-key?x", "api-key#y"]:
        cases.append({"id": mutated, "prefix": P0})
        cases.append({"id": mutated, "prefix": None})
    for e in ENV_NAMES:
        for sid in ("api-key", base, "api_key"):
            cases.append({"id": sid, "prefix": P0, "env_var_name": e})
    for _ in range(1500):
        v, d, n, ver = rnd.choice(VAULTS), rnd.choice(DOMAINS), rnd.choice(NAMES), rnd.choice(VERSIONS)
        cases.append({"id": full(v, d, n, ver), "prefix": rnd.choice(PREFIX_VALUES)})
    # valid-looking ids built from random valid parts, half of them with one mutation
    letters = string.ascii_letters
    alnum = string.ascii_letters + string.digits
    for _ in range(1500):
        vault = rnd.choice(letters) + "".join(rnd.choice(alnum + "-") for _ in range(rnd.randint(1, 20))) \
            + rnd.choice(alnum)
        vault = vault.replace("--", "-a")
        name = rnd.choice(letters) + "".join(rnd.choice(alnum + "-") for _ in range(rnd.randint(0, 30)))
        ver = rnd.choice([None, "".join(rnd.choice("0123456789abcdef") for _ in range(32))])
        sid = full(vault, rnd.choice(R.KEY_VAULT_DOMAINS), name, ver) if rnd.random() < 0.5 else \
            (name if ver is None else "%s/%s" % (name, ver))
        if rnd.random() < 0.5:
            i = rnd.randrange(len(sid) + 1)
            sid = sid[:i] + rnd.choice(["/", "//", "_", " ", "--", ".", "A", "?", "%"]) + sid[i:]
        cases.append({"id": sid, "prefix": rnd.choice([P0, P0, "https://%s.vault.azure.cn" % vault, None])})
    alphabet = "abAB09-_./:@ ?#"
    for _ in range(1500):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        if rnd.random() < 0.5:
            s = "https://" + rnd.choice(VAULTS) + rnd.choice(DOMAINS) + "/" + s
        cases.append({"id": s, "prefix": rnd.choice(PREFIX_VALUES)})
    seen, out = set(), []
    for c in cases:
        c.setdefault("env_var_name", None)
        k = json.dumps(c, sort_keys=True)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out


@pytest.fixture(scope="module")
def secret_run(home):
    cases = _secret_cases()
    prefix_probes = [{"id": "probe-name", "prefix": p, "env_var_name": None} for p in PREFIX_VALUES]
    prefix_probes += [{"id": "probe-name", "prefix": "https://%s%s" % (v, d), "env_var_name": None}
                      for v in VAULTS for d in DOMAINS]
    verdicts = mf_oracle.run("secret", cases + prefix_probes, home=home)
    return cases, verdicts[: len(cases)], prefix_probes, verdicts[len(cases):]


def _vault_of(url):
    host = url.split("://", 1)[1]
    d = next(d for d in R.KEY_VAULT_DOMAINS if d in host)
    return host[: -len(d)]


def test_secret_id_differential(secret_run):
    cases, verdicts, _, _ = secret_run
    assert len(cases) > 3500
    mismatches = []
    counts = {"mf": 0, "azure": 0, "ok": 0}
    for c, v in zip(cases, verdicts):
        fs, parsed = K.check_secret_id(c["id"], vault_prefix=c["prefix"], env_var_name=c["env_var_name"])
        azure_bad = v["ok"] and not azure_vault_ok(_vault_of(v["vault_url"]))
        expected = (not v["ok"]) or azure_bad
        counts["mf" if not v["ok"] else ("azure" if azure_bad else "ok")] += 1
        got = bool(errors(fs))
        if got != expected:
            mismatches.append((c, v, [f.message for f in fs]))
            continue
        if not got:
            # same vault, name, version and injected variable as Metaflow
            assert (parsed.vault_url, parsed.name, parsed.version) == (v["vault_url"], v["name"], v["version"]), (c, v)
            ok = [f for f in fs if f.severity == OK][0]
            assert [ok.detail["env_var_name"]] == v["env"], (c, v)
    assert not mismatches, mismatches[:10]
    assert counts["mf"] > 1000 and counts["azure"] > 100 and counts["ok"] > 500, counts


def test_secret_id_mirror_matches_metaflow_even_where_azure_rules_add_errors(secret_run):
    """The pure mirror (R.mf_parse_secret_id) accepts exactly what the provider accepts,
    with the same exception class."""
    cases, verdicts, _, _ = secret_run
    for c, v in zip(cases, verdicts):
        try:
            p = R.mf_parse_secret_id(c["id"], c["prefix"])
            mine = None
        except R.KeyVaultIdError as e:
            p, mine = None, e
        if v["ok"] or (v["error"] or "").startswith("MetaflowException: Found"):
            assert mine is None, (c, v, mine)  # env-name errors come after the fetch
            assert (p.vault_url, p.name, p.version) == (v["vault_url"], v["name"], v["version"])
        else:
            assert mine is not None, (c, v)
            assert v["error"].split(":")[0] in (mine.kind, "MetaflowException", "ValueError"), (c, v, mine.kind)
            assert str(mine) in v["error"], (c, v, str(mine))


def test_vault_prefix_differential(secret_run):
    _, _, probes, verdicts = secret_run
    for c, v in zip(probes, verdicts):
        p = c["prefix"]
        fs = A.check_vault_prefix(p)
        if p in (None, ""):
            assert fs == []
            continue
        expected = (not v["ok"]) or not azure_vault_ok(_vault_of(v["vault_url"]))
        assert bool(errors(fs)) == expected, (p, v, [f.message for f in fs])


@pytest.mark.parametrize("prefix,fixed", [
    ("https://my-kv.vault.azure.net/secrets/", "https://my-kv.vault.azure.net"),
    ("my-kv.vault.azure.net", "https://my-kv.vault.azure.net"),
    ("http://my-kv.vault.azure.net", "https://my-kv.vault.azure.net"),
    ("https://My-KV.VAULT.AZURE.NET", "https://my-kv.vault.azure.net"),
    ("https://my-kv.vault.azure.com", "https://my-kv.vault.azure.net"),
])
def test_vault_prefix_fix(prefix, fixed):
    f = errors(A.check_vault_prefix(prefix))[0]
    assert f.suggestion == fixed and f.fix == "export METAFLOW_AZURE_KEY_VAULT_PREFIX=%s" % fixed


def test_secret_id_messages_and_env_names():
    fs, p = K.check_secret_id("api-key", vault_prefix="https://my-kv.vault.azure.net")
    ok = fs[0]
    assert ok.severity == OK and "$api_key" in ok.message and "not API_KEY" in ok.message
    assert K.injected_env_var_name("api-key") == "api_key"
    assert K.injected_env_var_name(secret_id="https://my-kv.vault.azure.net/secrets/Db-Pass/"
                                   "ec96f02080254f109c51a1f14cdb1931") == "Db_Pass"
    assert K.injected_env_var_name("x", env_var_name="my-var.name/x") == "my_var_name_x"
    f = errors(K.check_secret_id("api_key", vault_prefix="https://my-kv.vault.azure.net")[0])[0]
    assert f.suggestion == "api-key" and "'_'" in f.message
    f = errors(K.check_secret_id("api-key", vault_prefix=None)[0])[0]
    assert "METAFLOW_AZURE_KEY_VAULT_PREFIX" in f.fix
    f = errors(K.check_secret_id("METAFLOW-TOKEN", vault_prefix="https://my-kv.vault.azure.net")[0])[0]
    assert "METAFLOW_TOKEN" in f.message
    w = K.check_secret_id("api-key/ZZ96f02080254f109c51a1f14cdb1931", vault_prefix="https://my-kv.vault.azure.net")[0]
    assert [x.severity for x in w] == [WARNING, OK]


def test_secret_ids_collide_and_clash_with_env():
    fs = A.check_secret_ids(["api-key", "https://other-kv.vault.azure.net/secrets/api-key", "db-pass"],
                            vault_prefix="https://my-kv.vault.azure.net", env={"db_pass": "x"})
    errs = errors(fs)
    assert any("'api_key'" in f.message and "also added by" in f.message for f in errs)
    assert any("'db_pass'" in f.message and "already exists in env" in f.message for f in errs)


# ---------------------------------------------------------------------------
# endpoint, checked against the Azure SDK's own URL handling
# ---------------------------------------------------------------------------

ENDPOINTS = [
    ("https://myaccount.blob.core.windows.net/", OK),
    ("https://myaccount.blob.core.windows.net", OK),
    ("https://acct123.blob.core.chinacloudapi.cn/", OK),
    ("https://acct123.blob.core.usgovcloudapi.net/", OK),
    ("https://acct123.z01.blob.storage.azure.net/", OK),
    ("https://127.0.0.1:10000/devstoreaccount1", OK),
    ("https://localhost:10000/devstoreaccount1/", OK),
    ("myaccount.blob.core.windows.net", WARNING),
    ("https://myaccount.blob.core.windows.net/mycontainer", WARNING),
    ("https://127.0.0.1:10000/devstoreaccount1/other", WARNING),
    ("https://myaccount.blob.core.windows.net/?sv=2022-11-02&ss=b&sig=SECRETSIG%3D", WARNING),
    ("https://storage.example.com/", WARNING),
    ("https://myaccount.privatelink.blob.core.windows.net/", WARNING),
    ("https://MyAccount.blob.core.windows.net/", WARNING),
    ("https://myaccount.blob.core.windows.net/\n", WARNING),
    ("http://myaccount.blob.core.windows.net/", ERROR),
    ("http://127.0.0.1:10000/devstoreaccount1", ERROR),
    ("https://127.0.0.1:10000", ERROR),
    ("https://my_account.blob.core.windows.net/", ERROR),
    ("https://ab.blob.core.windows.net/", ERROR),
    ("https://myaccount.dfs.core.windows.net/", ERROR),
    ("https://myaccount.file.core.windows.net/", ERROR),
    ("https://myaccount-secondary.blob.core.windows.net/", ERROR),
    ("https://myaccount.blob.core.windows.net:abc/", ERROR),
    (" https://myaccount.blob.core.windows.net/", ERROR),
    ("https://", ERROR),
    ("ftp://myaccount.blob.core.windows.net/", ERROR),
]

_SDK_PROBE = r"""
import json, sys
from azure.core.credentials import AccessToken
from azure.storage.blob import BlobServiceClient
class Tok:
    def get_token(self, *a, **k):
        return AccessToken("x", 2**31)
out = []
for url in json.load(sys.stdin):
    try:
        c = BlobServiceClient(url, credential=Tok())
        out.append({"ok": True, "url": c.get_container_client("ctr").url, "account": c.account_name})
    except Exception as e:
        out.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
"""


def test_endpoint_severities_and_sdk_behaviour(home):
    urls = [u for u, _ in ENDPOINTS]
    p = subprocess.run([sys.executable, "-c", _SDK_PROBE], input=json.dumps(urls), capture_output=True,
                       text=True, env={"PATH": os.environ.get("PATH", ""), "HOME": home}, timeout=60)
    assert p.returncode == 0, p.stderr
    sdk = dict(zip(urls, json.loads(p.stdout)))
    for url, expected in ENDPOINTS:
        fs = A.check_endpoint(url)
        worst = ERROR if errors(fs) else (WARNING if any(f.severity == WARNING for f in fs) else OK)
        assert worst == expected, (url, [(f.severity, f.message) for f in fs])
        # whenever the SDK refuses the URL with Metaflow's (token) credential, mfdoctor says error
        if not sdk[url]["ok"]:
            assert worst == ERROR, (url, sdk[url])
        # every message redacts the SAS signature
        for f in fs:
            assert "SECRETSIG" not in json.dumps(f.to_dict())
    # the claims in the messages: the SDK drops a path for Azure hosts, keeps it for the emulator
    assert sdk["https://myaccount.blob.core.windows.net/mycontainer"]["url"] == \
        "https://myaccount.blob.core.windows.net/ctr"
    assert sdk["https://127.0.0.1:10000/devstoreaccount1/other"]["url"] == \
        "https://127.0.0.1:10000/devstoreaccount1/other/ctr"
    assert "Token credential is only supported with HTTPS" in sdk["http://myaccount.blob.core.windows.net/"]["error"]
    assert sdk["myaccount.blob.core.windows.net"]["url"].startswith("https://")


def test_endpoint_required_fix_uses_sysroot_account():
    f = A.check_endpoint(None, account_hint="myaccount")[0]
    assert f.severity == ERROR and "Must configure METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT" in f.message
    assert f.suggestion == "https://myaccount.blob.core.windows.net/"
    assert A.check_endpoint(None, required=False) == []
    ok = A.check_endpoint("https://127.0.0.1:10000/devstoreaccount1")[0]
    assert "emulator" in ok.message and ok.detail["kind"] == "emulator"


# ---------------------------------------------------------------------------
# §6: workload type, client provider, secrets backend, credentials, images
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value,target", [("default", "general"), ("highCpu", "high_throughput"),
                                          ("highMemory", "high_throughput"), ("General", "general"),
                                          ("high-throughput", "high_throughput"), ("general ", "general")])
def test_workload_type(value, target):
    f = A.check_workload_type(value)[0]
    assert f.severity == ERROR and f.suggestion == target
    assert f.fix.startswith("export METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=%s" % target)
    if value in ("default", "highCpu", "highMemory"):
        assert "'default', 'highCpu' and 'highMemory'" in f.detail["why"]  # under -v: the message is one sentence
    assert A.check_workload_type("high_throughput")[0].severity == OK


def test_client_provider_and_secrets_backend():
    f = A.check_client_provider("azure-cli", ["azure-default"])[0]
    assert f.severity == ERROR and "Cannot find Azure Client provider azure-cli" in f.message
    assert f.suggestion == "azure-default"
    assert A.check_client_provider("azure-default")[0].severity == OK
    f = A.check_secrets_backend("azure-key-vault")[0]
    assert f.severity == ERROR and f.suggestion == "az-key-vault"
    assert A.check_secrets_backend("az-key-vault")[0].severity == OK


_DAC_PROBE = r"""
import json, os, sys, logging
logging.disable(logging.CRITICAL)
from azure.identity import DefaultAzureCredential
out = []
for env in json.load(sys.stdin):
    os.environ.clear(); os.environ.update(env)
    try:
        c = DefaultAzureCredential()
        names = [type(x).__name__ for x in c.credentials]
        envc = c.credentials[0] if names and names[0] == "EnvironmentCredential" else None
        out.append({"ok": True, "env_configured": bool(envc and envc._credential),
                    "failed": [x._credential_name for x in c.credentials if type(x).__name__ == "FailedDACCredential"]})
    except Exception as e:
        out.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
"""

GUID = "11111111-2222-3333-4444-555555555555"


def test_credential_env_sets_against_azure_identity(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("not really a cert")
    tok = tmp_path / "token"
    tok.write_text("jwt")
    sp = {"AZURE_CLIENT_ID": GUID, "AZURE_TENANT_ID": GUID}
    cases = [
        ({}, None),
        (dict(sp, AZURE_CLIENT_SECRET="s3cr3t"), None),
        ({"AZURE_CLIENT_SECRET": "s3cr3t", "AZURE_TENANT_ID": GUID}, ERROR),  # no client id: ignored
        ({"AZURE_CLIENT_SECRET": "s3cr3t"}, ERROR),
        (dict(sp, AZURE_CLIENT_SECRET=""), ERROR),  # empty secret: DAC construction fails
        (dict(sp), WARNING),  # id + tenant, no secret
        (dict(sp, AZURE_CLIENT_CERTIFICATE_PATH=str(tmp_path / "missing.pem")), ERROR),
        ({"AZURE_CLIENT_CERTIFICATE_PATH": str(cert)}, ERROR),
        (dict(sp, AZURE_FEDERATED_TOKEN_FILE=str(tok)), None),
        (dict(sp, AZURE_FEDERATED_TOKEN_FILE=str(tmp_path / "nope")), ERROR),
        ({"AZURE_FEDERATED_TOKEN_FILE": str(tok), "AZURE_CLIENT_ID": GUID}, ERROR),  # no tenant
        ({"AZURE_TOKEN_CREDENTIALS": "azurecli"}, ERROR),
        ({"AZURE_TOKEN_CREDENTIALS": "AzureCliCredential"}, None),
        ({"AZURE_TOKEN_CREDENTIALS": "prod"}, None),
        (dict(sp, AZURE_CLIENT_SECRET="s", AZURE_AUTHORITY_HOST="http://login.example"), ERROR),
        (dict(sp, AZURE_TENANT_ID="bad tenant!", AZURE_CLIENT_SECRET="s"), ERROR),
        ({"AZURE_USERNAME": "u@x.com", "AZURE_PASSWORD": "p"}, ERROR),  # no client id
        ({"IDENTITY_ENDPOINT": "http://127.0.0.1:1/msi"}, WARNING),
    ]
    envs = [dict(e, PATH=os.environ.get("PATH", ""), HOME=str(tmp_path)) for e, _ in cases]
    p = subprocess.run([sys.executable, "-c", _DAC_PROBE], input=json.dumps(envs), capture_output=True,
                       text=True, timeout=60, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    sdk = json.loads(p.stdout)
    for (env, expected), real in zip(cases, sdk):
        fs = A.check_credential_env(env)
        worst = ERROR if errors(fs) else (WARNING if any(f.severity == WARNING for f in fs) else None)
        assert worst == expected, (env, real, [(f.severity, f.message) for f in fs])
        # azure-identity agrees: construction fails, or a secret/cert was given but ignored,
        # or workload identity is unavailable => mfdoctor reports an error
        intent = any(k in env for k in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME"))
        wi_failed = "AZURE_FEDERATED_TOKEN_FILE" in env and "WorkloadIdentityCredential" in real.get("failed", [])
        if not real["ok"] or (intent and not real["env_configured"]) or wi_failed:
            assert worst == ERROR, (env, real)
        for f in fs:  # secret values never appear
            assert "s3cr3t" not in json.dumps(f.to_dict())


@pytest.mark.parametrize("ref,ok", [
    ("python:3.11", True), ("myregistry.azurecr.io/my-image:v1.0", True), ("ubuntu", True),
    ("localhost:5000/team/app@sha256:" + "a" * 64, True), ("registry.example.com:443/a/b-c_d.e:1.2-rc", True),
    ("MyImage:1", False), ("https://myregistry.azurecr.io/img:1", False), ("img :1", False),
    ("img:tag:tag", False), ("", False), ("img@sha256:123", False), ("a//b", False), (" img", False),
])
def test_image_references(ref, ok):
    assert (A.image_reference_problem(ref) is None) == ok


def test_images_with_registry():
    key = "METAFLOW_KUBERNETES_CONTAINER_IMAGE"
    reg = "METAFLOW_KUBERNETES_CONTAINER_REGISTRY"
    fs = A.check_images({key: ("MyImage:1", "env", key, None)})
    assert errors(fs) and "lowercase" in fs[0].message
    fs = A.check_images({reg: ("myregistry.azurecr.io", "env", reg, None)})
    assert any(f.severity == WARNING and "python:" in f.message for f in fs)
    fs = A.check_images({reg: ("https://myregistry.azurecr.io", "env", reg, None),
                         key: ("app:1", "env", key, None)})
    assert errors(fs)


# ---------------------------------------------------------------------------
# the whole group over a real Resolution
# ---------------------------------------------------------------------------


def _res(tmp_path, env):
    from mfdoctor.config import resolve

    base = {"METAFLOW_HOME": str(tmp_path / "home"), "USER": "tester"}
    base.update(env)
    return resolve(env=base, cwd=str(tmp_path))


TYPICAL = {
    "METAFLOW_DEFAULT_DATASTORE": "azure",
    "METAFLOW_DATASTORE_SYSROOT_AZURE": "mycontainer/metaflow",
    "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT": "https://myaccount.blob.core.windows.net/",
    "METAFLOW_AZURE_KEY_VAULT_PREFIX": "https://my-keyvault.vault.azure.net",
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "az-key-vault",
}


def test_run_azure_static_typical_config_is_all_ok(tmp_path):
    res = _res(tmp_path, TYPICAL)
    assert A.azure_applies(res)
    fs = A.run_azure_static(res, secrets=["api-key"], cwd=str(tmp_path))
    assert not [f for f in fs if f.severity in (ERROR, WARNING)], [f.message for f in fs]
    checks = {f.check for f in fs if f.severity == OK}
    assert {"azure.sysroot", "azure.endpoint", "azure.vault-prefix", "azure.secret-id",
            "azure.client-provider", "secrets.backend", "azure.credential-env"} <= checks


def test_run_azure_static_seed_config(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.json").write_text(json.dumps(
        {"METAFLOW_DATASTORE_SYSROOT_AZURE": "az://mycontainer/metaflow/"}, indent=1))
    res = _res(tmp_path, {"METAFLOW_DEFAULT_DATASTORE": "azure",
                          "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "default",
                          "METAFLOW_AZURE_KEY_VAULT_PREFIX": "https://my-keyvault.vault.azure.net/secrets/",
                          "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER": "azure-cli"})
    fs = A.run_azure_static(res, cwd=str(tmp_path))
    by = {f.check: f for f in fs if f.severity == ERROR}
    assert set(by) >= {"azure.sysroot", "azure.endpoint", "azure.workload-type", "azure.vault-prefix",
                       "azure.client-provider"}
    s = by["azure.sysroot"]
    assert s.location.path.endswith("config.json") and s.location.line == 2
    assert s.fix.startswith('set "METAFLOW_DATASTORE_SYSROOT_AZURE": "mycontainer/metaflow" in ')
    assert by["azure.workload-type"].fix.startswith("export METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE=general")


def test_azure_applies(tmp_path):
    assert not A.azure_applies(_res(tmp_path, {}))
    assert A.azure_applies(_res(tmp_path, {"METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE": "general"}))
    assert A.azure_applies(_res(tmp_path, {"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "az-key-vault"}))
    assert A.azure_applies(_res(tmp_path, {"METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE": "azure-key-vault"}))
    assert A.azure_applies(_res(tmp_path, {"METAFLOW_DEFAULT_DATASTORE": "azure"}))


def test_config_errors_included_for_check_azure_alone(tmp_path):
    res = _res(tmp_path, {"METAFLOW_DEFAULT_DATASTORE": "azure", "METAFLOW_ENABLED_DATASTORE": "azure",
                          "METAFLOW_SERVICE_RETRY_COUNT": "many"})
    alone = A.run_azure_static(res, cwd=str(tmp_path), include_config_errors=True)
    keys = {f.key for f in alone if f.severity == ERROR}
    assert "METAFLOW_SERVICE_RETRY_COUNT" in keys
    grouped = A.run_azure_static(res, cwd=str(tmp_path))
    assert "METAFLOW_SERVICE_RETRY_COUNT" not in {f.key for f in grouped}


def test_no_metaflow_or_azure_import():
    code = ("import sys, mfdoctor.checks.azure_static, mfdoctor.checks.flows, mfdoctor.checks.user;"
            "bad=[m for m in sys.modules if m.split('.')[0] in ('metaflow','azure')];"
            "print(bad); sys.exit(1 if bad else 0)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
