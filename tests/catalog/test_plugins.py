"""Plugin categories and names (catalog/plugins.py) against the installed Metaflow."""

import json

from mfdoctor.catalog import sources
from mfdoctor.catalog.plugins import module_plugin_descs

from catalog_support import PKG_DIR, run_json, write


PLUGINS_ORACLE = r"""
import json
import metaflow.plugins
from metaflow.extension_support import plugins as p
print(json.dumps({
    "categories": list(p._plugin_categories),
    "descs": {c: list(getattr(p, "_all_%ss_dict" % c).items()) for c in p._plugin_categories},
    "enabled": {k: getattr(p, k) for k in dir(p) if k.startswith("ENABLED_")},
}))
"""


def test_core_plugins_match_metaflow(tmp_path):
    truth = run_json(PLUGINS_ORACLE, tmp_path)
    assert sources.plugin_categories(PKG_DIR) == truth["categories"]
    descs = sources.plugin_descs(PKG_DIR)
    names = sources.plugin_names(PKG_DIR)
    for cat in truth["categories"]:
        assert names[cat] == [n for n, _ in truth["descs"][cat]], cat
        assert dict(descs[cat]) == dict(truth["descs"][cat]), cat
    # ENABLED_<CATEGORY> exists for every category (and defaults to every plugin).
    assert set(truth["enabled"]) == {"ENABLED_%s" % c.upper() for c in truth["categories"]}
    assert truth["enabled"]["ENABLED_AZURE_CLIENT_PROVIDER"] == names["azure_client_provider"]
    assert "azure" in names["datastore"] and "az-key-vault" in names["secrets_provider"]
    json.dumps(names)


LIST_ORACLE = r"""
import json, sys
import importlib
from metaflow.extension_support.plugins import _plugin_categories, _resolve_relative_paths, _get_ext_plugins
m = importlib.import_module("fakepkg.plugins")
g = dict(m.__dict__)
_resolve_relative_paths(g)
out = {c: [list(x) for x in _get_ext_plugins(g, c)] for c in _plugin_categories}
out["cli"] += [list(x) for x in g.get("TRAMPOLINE_CLIS_DESC", [])]
print(json.dumps(out))
"""


def test_plugin_lists_built_by_imports_and_mutation(tmp_path):
    """`+=`, `.extend`, `.append`, `a + b`, names imported from another module, and
    relative class paths (`.x`, `..y`) evaluate exactly as Metaflow sees them."""
    base = tmp_path / "src"
    write(base, "fakepkg/__init__.py", "")
    write(base, "fakepkg/plugins/more.py", 'EXTRA_DESC = [("b", ".more_impl.B")]\n')
    path = write(
        base,
        "fakepkg/plugins/__init__.py",
        """
        from .more import EXTRA_DESC
        DATASTORES_DESC = [("a", ".x.A")]
        DATASTORES_DESC += EXTRA_DESC
        DATASTORES_DESC.extend([("c", "..y.C")])
        DATASTORES_DESC.append(("d", "abs.mod.D"))
        _BASE = [("e", ".e.E")]
        ENVIRONMENTS_DESC = _BASE + [("f", ".f.F")]
        if True:
            SIDECARS_DESC = [("s", ".s.S")]
        CLIS_DESC = [("one", ".one.cli")]
        TRAMPOLINE_CLIS_DESC = [("two", ".two.cli")]
        """,
    )
    truth = run_json(LIST_ORACLE, tmp_path, pythonpath=[base])
    cats = sources.plugin_categories(PKG_DIR)
    got = module_plugin_descs(str(path), "fakepkg.plugins", cats, {"fakepkg": str(base / "fakepkg")})
    assert got == truth
    assert [n for n, _ in got["datastore"]] == ["a", "b", "c", "d"]
