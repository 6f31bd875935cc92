"""catalog/sources.py: collect_all, in one pass, imports nothing.

Its speed is measured by bench/bench_show.py (cold cache), not asserted here: a timed
assertion on a shared CI runner measures the runner."""

from catalog_support import PKG_DIR, REPO, run_json


NO_IMPORT = r"""
import json, sys, time
t = time.perf_counter()
from mfdoctor.catalog import sources
data = sources.collect_all(%r)
elapsed = time.perf_counter() - t
text = json.dumps(data)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("metaflow", "metaflow_extensions"))
print(json.dumps({"elapsed": elapsed, "leaked": leaked, "size": len(text),
                  "exts": len(data["extensions"]),
                  "acme_cli": "METAFLOW_ACME_PING_IT_COUNT" in data["cli_envvars"],
                  "datastores": data["plugins_all"]["datastore"]}))
"""


def test_collect_all_imports_nothing(tmp_path, acme):
    result = run_json(NO_IMPORT % PKG_DIR, tmp_path, pythonpath=[REPO, acme])
    assert result["leaked"] == []
    assert result["exts"] == 1 and result["datastores"][-1] == "acme"
    assert result["acme_cli"]
