"""An emulator endpoint with an extra path (`https://127.0.0.1:10000/devstoreaccount1/metaflow`):
the Azure SDK keeps the path in every URL, so Azurite sees container `metaflow` and the
sysroot's container as the first part of each blob name. A real flow runs that way; the
live probe must build its clients as Metaflow does and explain the outcome in those terms."""

from __future__ import annotations

from conftest import by_check, settings_for

from mfdoctor.checks.azure_live import run_live


def test_extra_path_probe_follows_metaflow(live_env, azurite, new_container):
    outer = new_container("outer")
    env = dict(live_env, METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="%s/%s" % (azurite.url, outer))
    findings = run_live(settings_for(env), timeout=20)
    got = [f for f in by_check(findings, "azure.container") if f.severity != "skipped"]
    assert len(got) == 1, [(f.severity, f.message) for f in findings]
    f = got[0]
    c = env["_container"]
    # Said in Metaflow's terms: where the blobs really go, what works and what does not.
    assert f.severity == "warning", f.message
    assert "really container '%s'" % outer in f.message and "'%s/metaflow/'" % c in f.message
    assert "flows run" in f.message and "listing blobs fails" in f.message
    assert "BlobNotFound while reading container" not in f.message
    assert f.fix == ("Keep only the account in the endpoint (%s) and set "
                     "METAFLOW_DATASTORE_SYSROOT_AZURE=%s/%s/metaflow to keep the blobs where they "
                     "are now." % (azurite.url.rstrip("/"), outer, c))
    assert azurite.list_blobs(outer) == []  # the write probe cleaned up after itself
