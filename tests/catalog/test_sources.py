"""catalog/sources.py: collect_all, in one pass, imports nothing and is fast."""

import time

from mfdoctor.catalog import pysource, sources

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


def test_collect_all_imports_nothing_and_is_fast(tmp_path, acme):
    result = run_json(NO_IMPORT % PKG_DIR, tmp_path, pythonpath=[REPO, acme])
    print("\ncold collect_all: %.3f s, %d bytes of JSON" % (result["elapsed"], result["size"]))
    assert result["leaked"] == []
    assert result["exts"] == 1 and result["datastores"][-1] == "acme"
    assert result["acme_cli"]
    assert result["elapsed"] < 3.0  # ~0.5 s here; generous for slow CI runners


def test_cold_run_timing_in_process():
    pysource.clear_cache()
    t = time.perf_counter()
    sources.collect_all(PKG_DIR, env={})
    elapsed = time.perf_counter() - t
    print("\ncold collect_all in-process: %.3f s" % elapsed)
    assert elapsed < 3.0
