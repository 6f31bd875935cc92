"""Hypothesis strategies for hostile input: values, config files, linted files, flow
files, and places to plant a secret marker."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Keys of every type Metaflow reads (str, bool, int, list, dict, choices, secrets, URLs).
KEYS = [
    "METAFLOW_USER", "METAFLOW_DEFAULT_DATASTORE", "METAFLOW_S3_RETRY_COUNT",
    "METAFLOW_DATATOOLS_CLIENT_PARAMS", "METAFLOW_SERVICE_HEADERS", "METAFLOW_SERVICE_AUTH_KEY",
    "METAFLOW_SERVICE_URL", "METAFLOW_DATASTORE_SYSROOT_AZURE", "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT",
    "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", "METAFLOW_ENABLED_DATASTORE", "METAFLOW_DEBUG_S3CLIENT",
    "METAFLOW_DEFAULT_AZURE_CLIENT_PROVIDER", "METAFLOW_AZURE_KEY_VAULT_PREFIX", "METAFLOW_DEFAULT_METADATA",
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "METAFLOW_KUBERNETES_NAMESPACE", "METAFLOW_PRODUCTION_TOKEN",
    "METAFLOW_DEFAULT_DATSTORE", "METAFLOW_X", "METAFLOW_",
]
SECRET_KEYS = ["METAFLOW_SERVICE_AUTH_KEY", "METAFLOW_SERVICE_HEADERS", "METAFLOW_PRODUCTION_TOKEN"]
URL_KEYS = ["METAFLOW_SERVICE_URL", "METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT",
            "METAFLOW_DATASTORE_SYSROOT_AZURE", "METAFLOW_AZURE_KEY_VAULT_PREFIX", "METAFLOW_DEFAULT_METADATA",
            "METAFLOW_USER", "METAFLOW_S3_RETRY_COUNT", "METAFLOW_DATATOOLS_CLIENT_PARAMS"]

# Text a terminal, a shell, a JSON parser or a URL parser might choke on.
NASTY = ["\x1b]0;owned\x07", "\x1b[2J", "\r", "\n", "\x00", "\x9b", "\u202e", "\u2028", "'", '"',
         "\\", "$(echo INJECTED)", "`echo INJECTED`", "\nexport INJECTED=1", "%", "%0A", "[/x]",
         "{{ x }}", "*", "&", "=", "::error::", "\ud800", "\udcff"]

nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)), max_size=6).map("".join)


def deep(n: int, open_: str = "[", close: str = "]") -> str:
    return open_ * n + close * n


depths = st.sampled_from([5, 63, 65, 200, 700, 963, 964, 965, 966, 967, 1000, 3000])

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), nasty_text,
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "9" * 4301, "9" * 4300, "azure", "local", ""]),
)

# JSON text of a value, as it would sit after `"KEY": ` (not always valid JSON).
json_value_text = st.one_of(
    json_scalar.map(lambda v: json.dumps(v) if not isinstance(v, str) or v[:1] not in "N-I19" else v),
    depths.map(deep),
    depths.map(lambda n: deep(n, '{"a":', "}")),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "[NaN]", "9" * 5000, '"\\ud800"', "[1,", "{"]),
    st.recursive(json_scalar, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=5), c, max_size=3)),
                 max_leaves=8).map(lambda v: json.dumps(v)),
)


@st.composite
def config_text(draw) -> str:
    """A config file: mostly a JSON object with hostile values, sometimes not JSON at all."""
    kind = draw(st.sampled_from(["object", "object", "object", "deep", "bytes", "array"]))
    if kind == "deep":
        return deep(draw(depths))
    if kind == "bytes":
        return draw(st.binary(max_size=64)).decode("latin-1")
    if kind == "array":
        return "[" + draw(json_value_text) + "]"
    members = draw(st.lists(st.tuples(st.sampled_from(KEYS), json_value_text), max_size=4))
    return "{" + ", ".join("%s: %s" % (json.dumps(k), v) for k, v in members) + "}"


env_values = st.one_of(
    nasty_text, depths.map(deep), st.sampled_from(["9" * 5000, "NaN", "inf", "1e400", '{"a":', '["x"]', "",
                                                   "true", "no", " azure ", "general"]),
)

marker = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=8).map(lambda s: "MRK" + s)

URL_FORMS = ["https://:{m}@h.example/", "https://bob:{m}@h.example/p", "https://{m}@h.example/",
             "https://bob:a/{m}@h.example/", "https://bob:p@ss{m}@h.example/", "http://u:{m}@127.0.0.1:8080/x?y=1",
             "https://acct.blob.core.windows.net/?sv=2022&sig={m}", "https://a.b/c?%73ig={m}",
             "https://a.b/c;sig={m}", "https://a.b/c?SIG={m}&sv=1", "https://a.b/?x=1&Signature={m}",
             "https://a.b/?s%69g={m}", "az://c/p?sig={m}", "c/p?sv=1&sig={m}", "sv=2022&sig={m}"]


@st.composite
def planted(draw):
    """(env, profile file data, local file data, linted files, flow source, markers): a
    marker in every place a secret can live."""
    m = draw(marker)
    env, prof, local, files = {}, {}, {}, {}
    places = draw(st.lists(st.sampled_from(
        ["env-secret", "env-url", "prof-secret", "prof-url", "local-secret", "lint-env", "lint-yaml",
         "lint-json", "flow-inline", "env-headers", "prof-headers-list", "azure-env"]), min_size=1, max_size=4, unique=True))
    shape = draw(st.sampled_from(["{m}", '{{"x-api-key": "{m}"', '["{m}"]', '"{m}"', "Bearer {m}", '{{"Authorization": "Bearer {m}"}}']))
    url = draw(st.sampled_from(URL_FORMS)).format(m=m)
    key = draw(st.sampled_from(SECRET_KEYS))
    ukey = draw(st.sampled_from(URL_KEYS))
    flow = None
    if "env-secret" in places:
        env[key] = shape.format(m=m)
    if "env-headers" in places:
        env["METAFLOW_SERVICE_HEADERS"] = shape.format(m=m)
    if "env-url" in places:
        env[ukey] = url
    if "azure-env" in places:
        env["AZURE_CLIENT_SECRET"] = m
        env["METAFLOW_DEFAULT_DATASTORE"] = "azure"
    if "prof-secret" in places:
        prof[key] = m
    if "prof-headers-list" in places:
        prof["METAFLOW_SERVICE_HEADERS"] = [m]
    if "prof-url" in places:
        prof[ukey] = url
    if "local-secret" in places:
        local[key] = {"x-api-key": m} if key.endswith("HEADERS") else m
    if "lint-env" in places:
        files["x.env"] = "%s=%s\n%s=%s\n" % (key, m, ukey, url)
    if "lint-yaml" in places:
        files["k8s.yaml"] = "env:\n- name: %s\n  value: %s\n- name: %s\n  value: '%s'\n" % (key, json.dumps(m), ukey, url)
    if "lint-json" in places:
        files["config.json"] = json.dumps({key: m, ukey: url})
    if "flow-inline" in places:
        flow = ("from metaflow import FlowSpec, step, secrets\n"
                "class F(FlowSpec):\n"
                "    @secrets(sources=[{'type': 'inline', 'id': 'x', 'bogus': 1, 'options': {'env_vars': {'K': %r}}},"
                " %r])\n"
                "    @step\n    def start(self):\n        self.next(self.end)\n"
                "    @step\n    def end(self):\n        pass\n" % (m, "az-key-vault." + url))
    return env, prof, local, files, flow, [m]


LINT_NAMES = ["a.env", ".env", "x.yaml", "compose.yml", "c.json", ".metaflow/config.json", "Dockerfile",
              "run.sh", "flow.py", "script", "values.yaml"]


@st.composite
def lint_file(draw):
    name = draw(st.sampled_from(LINT_NAMES))
    kind = draw(st.sampled_from(["lines", "deep", "alias", "python", "bytes", "special"]))
    if kind == "special":
        return name, draw(st.sampled_from(["fifo", "dir", "devzero", "dangling"]))
    if kind == "deep":
        n = draw(depths)
        body = draw(st.sampled_from([
            "METAFLOW_DATATOOLS_CLIENT_PARAMS=" + "[" * n,
            '{"METAFLOW_USER": %s}' % deep(n),
            "x: " + deep(n) + "\nMETAFLOW_USER: bob\n",
            "X = " + "+".join(["'a'"] * n) + "\nos.environ['METAFLOW_USER'] = 'b'\n",
            "import os\nos.environ['METAFLOW_USER'] = " + "(" * min(n, 250) + "'x'" + ")" * min(n, 250) + "\n",
        ]))
        return name, body
    if kind == "alias":
        levels = draw(st.integers(1, 9))
        lines = ['a0: &a0 ["METAFLOW_USER=lol"]']
        for i in range(1, levels):
            lines.append("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 9)))
        if draw(st.booleans()):
            lines.append("r: &r [*r]")
        return name, "\n".join(lines) + "\n"
    if kind == "python":
        expr = draw(st.sampled_from(["'a'" + "+'a'" * 300, "x" + ".a" * 3000, "9" * 5000, "f'{x!r:>{y}}'",
                                     "\0", "lambda: (yield)", "[" * 150 + "]" * 150]))
        return name, "import os\nos.environ['METAFLOW_USER'] = %s\nMETAFLOW_X = 1\n" % expr
    if kind == "bytes":
        return name, draw(st.binary(max_size=80)).decode("latin-1") + "\nMETAFLOW_USER=x\n"
    lines = draw(st.lists(st.tuples(st.sampled_from(KEYS + ["export METAFLOW_USER", "ENV METAFLOW_USER", "- METAFLOW_USER"]),
                                    env_values), max_size=5))
    return name, "".join("%s=%s\n" % (k, v.replace("\n", " ")) for k, v in lines)


@st.composite
def flow_source(draw):
    parts = draw(st.lists(st.sampled_from([
        "'az-key-vault.' + 'a' * 3", "'a'" + "+'a'" * draw(st.sampled_from([10, 199, 250, 1200])),
        "x" + ".a" * draw(st.sampled_from([10, 300, 5000])), "{'type': 'inline', 'id': 'i', 'options': {'env_vars': {'K': 'MRKinline'}}}",
        "{'type': 'az-key-vault', 'id': 'https://v.vault.azure.net/secrets/n?sig=MRKsig'}", "f'{x}'", "*xs", "**{}",
        "'%s'" % ("9" * 5000), "9" * 5000, "'\\x1b[2J'", "None", "[" * 120 + "]" * 120,
    ]), max_size=3))
    deco = draw(st.sampled_from(["@secrets(sources=[%s])", "@secrets(%s)", "@secrets(sources=(%s,))"]))
    return ("from metaflow import FlowSpec, step, secrets\n"
            "class F(FlowSpec):\n"
            "    %s\n"
            "    @step\n    def start(self):\n        self.next(self.end)\n"
            "    @step\n    def end(self):\n        pass\n" % (deco % ", ".join(parts)))
