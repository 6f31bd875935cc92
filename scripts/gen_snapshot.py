#!/usr/bin/env python3
"""Regenerate the bundled key catalog (mfdoctor/catalog/snapshot.json).

The snapshot is what mfdoctor uses where Metaflow is not installed. It is built from
the pinned Metaflow release below with the same parser the runtime uses on an
installed Metaflow, so both paths agree by construction; a test runs `--check`.

    pip install metaflow==2.19.39 && python scripts/gen_snapshot.py [--check]
"""

import json
import os
import sys

from mfdoctor.catalog.build import build_catalog_data
from mfdoctor.catalog.locate import find_metaflow, metaflow_version

PINNED = "2.19.39"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "mfdoctor", "catalog", "snapshot.json")


def snapshot_text() -> str:
    pkg_dir = find_metaflow()
    if pkg_dir is None or metaflow_version(pkg_dir) != PINNED:
        raise SystemExit(
            "the snapshot is made from metaflow==%s; found %s"
            % (PINNED, metaflow_version(pkg_dir) if pkg_dir else "no metaflow")
        )
    # Extensions installed on this machine are not part of Metaflow itself.
    os.environ["METAFLOW_EXTENSIONS_SEARCH_DIRS"] = os.devnull
    data = build_catalog_data(pkg_dir, source="bundled")
    data["extensions"] = []
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv) -> int:
    text = snapshot_text()
    current = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else None
    if "--check" in argv:
        if current != text:
            print("mfdoctor/catalog/snapshot.json is stale: run python scripts/gen_snapshot.py")
            return 1
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
