"""The oracle for names read by code an extension generates: run with the netflixext
venv's python. It runs metaflow-netflixext's own `setup_sitecustomize` for a stand-in
interpreter (a script that names a temporary site-packages), then executes the
`sitecustomize.py` it wrote, recording every METAFLOW_* environment lookup of both.
`coverage` is a stub (the only fake: the generated code calls into it). Prints one JSON
line: {"reads": [...], "generated": "<the sitecustomize text>"}."""
import json
import os
import sys
import tempfile
import types

reads = set()
_getitem = os._Environ.__getitem__


def _recording(self, key):
    if isinstance(key, str) and key.startswith("METAFLOW_"):
        reads.add(key)
    return _getitem(self, key)


os._Environ.__getitem__ = _recording  # os.environ.get() goes through it too

from metaflow_extensions.netflixext.plugins.coverage import setup_coverage  # noqa: E402

work = tempfile.mkdtemp()
site = os.path.join(work, "site-packages")
os.makedirs(site)
python = os.path.join(work, "python")
with open(python, "w") as f:
    f.write("#!/bin/sh\necho %s\n" % site)
os.chmod(python, 0o755)
os.environ["METAFLOW_COVERAGE_S3_PATH"] = "s3://bucket/" + os.path.basename(work)
setup_coverage.setup_sitecustomize(python)

stub = types.ModuleType("coverage")
stub.process_startup = lambda: None
stub.Coverage = type("Coverage", (), {"current": staticmethod(lambda: None)})
sys.modules["coverage"] = stub
with open(os.path.join(site, "sitecustomize.py")) as f:
    generated = f.read()
exec(compile(generated, "sitecustomize.py", "exec"), {"__name__": "sitecustomize"})
print(json.dumps({"reads": sorted(reads), "generated": generated}))
