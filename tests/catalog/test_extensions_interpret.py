"""Reading extension config modules (catalog/extensions/interpret.py): the values
Metaflow copies into metaflow_config, checked against Metaflow itself."""

import json

from mfdoctor.catalog import sources

from catalog_support import PKG_DIR, config_oracle, ext_configs


def test_extension_config_matches_metaflow_config(tmp_path, acme):
    exts = ext_configs(acme)
    assert [(e["org"], e["errors"]) for e in exts] == [("acme", [])]
    cfg = exts[0]["configs"][0]
    assert exts[0]["config_paths"] == [cfg["path"]]
    assert cfg["path"].endswith("acme/config/mfextinit_acme.py")
    names = set(cfg["literals"]) | set(cfg["expressions"]) | set(cfg["from_conf"]) | set(cfg["functions"])
    names.add("DEBUG_ACME")
    # The environment tries to win and must lose against the extension.
    truth = config_oracle(tmp_path, names, [acme], {"METAFLOW_DEFAULT_DATASTORE": "local"})
    vals = truth["values"]

    for name, value in cfg["literals"].items():
        assert vals[name] == value, name
    assert cfg["literals"]["DEFAULT_DATASTORE"] == vals["DEFAULT_DATASTORE"] == "azure"
    assert cfg["literals"]["ACME_FLAGS"] == ["a", "b", "c"]
    assert cfg["literals"]["ACME_OPTS"] == {"x": 1, "y": 2}
    # Not statically known: listed with their source text; they exist unless conditional.
    assert cfg["expressions"]["ACME_DERIVED"] == 'os.path.join("a", "b")'
    assert "ACME_BYTES" in cfg["expressions"]  # no exact JSON form
    for name in cfg["expressions"]:
        assert (vals[name] == "<missing>") == (name in cfg["conditional"]), name
    assert cfg["conditional"] == ["ACME_COND"]
    # from_conf in an extension: a key readable as METAFLOW_<key>, default as Metaflow has it.
    assert cfg["from_conf"]["ACME_ENDPOINT"]["key"] == "ACME_ENDPOINT"
    assert vals["ACME_ENDPOINT"] == cfg["from_conf"]["ACME_ENDPOINT"]["default"]
    # DEBUG_OPTIONS extends the DEBUG_* family and is not itself copied.
    assert cfg["debug_options"] == ["acme"] and truth["debug_options"][-1] == "acme"
    assert vals["DEBUG_ACME"] is False
    assert "DEBUG_OPTIONS" not in cfg["literals"]
    # Functions and private names are copied too, but are not keys.
    assert cfg["functions"] == ["acme_helper"] and vals["acme_helper"].startswith("<function")
    assert vals["_acme_private"] == 3
    assert {"ACME_TIMEOUT", "ACME_ENDPOINT", "DEBUG_ACME", "DEFAULT_DATASTORE"} <= set(cfg["keys"])
    assert "_acme_private" not in cfg["keys"] and "acme_helper" not in cfg["keys"]

    # Plugins: what Metaflow resolves is core + the extension's, with its toggles.
    plugins_all = sources.merged_plugin_names(sources.plugin_names(PKG_DIR), exts)
    for cat, pairs in truth["descs"].items():
        assert plugins_all[cat] == [n for n, _ in pairs], cat
    mod = exts[0]["plugin_modules"][0]
    assert dict(mod["plugin_descs"]["datastore"]) == {
        "acme": "metaflow_extensions.acme.plugins.acme_storage.AcmeStorage"
    }
    assert mod["toggles"] == {"TOGGLE_SECRETS_PROVIDER": ["-inline"]}
    assert truth["enabled"]["ENABLED_SECRETS_PROVIDER"] == plugins_all["secrets_provider"] + ["-inline"]
    json.dumps(exts)


def test_extension_from_conf_key_reads_the_environment(tmp_path, acme):
    vals = config_oracle(tmp_path, {"ACME_ENDPOINT"}, [acme], {"METAFLOW_ACME_ENDPOINT": "https://x"})["values"]
    assert vals["ACME_ENDPOINT"] == "https://x"
