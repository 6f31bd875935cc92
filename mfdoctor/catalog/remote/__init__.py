"""What each remote target forwards into a task's environment, read from Metaflow's plugin
sources with `ast` (never imported), per installed version.

`TARGETS` names, per target, the functions that build a task's environment, in the order
their entries are applied. That much is knowledge of Metaflow's layout (a release that
moves the code shows up as `missing` functions, never as a silent pass); every entry,
its source key, its condition, the prefix passthrough, the skip list and the Kubernetes
secrets are read from the code itself (`extract.py`).

The two facts not in the code's shape, given per target:
- `user_env`: where the step's `@environment(vars=...)` goes. "last": after Metaflow's
  entries, so it wins (`run --with kubernetes|batch`: kubernetes.py:662,
  batch.py:375); "first": it starts the dict, and Metaflow's entries overwrite it
  (argo_workflows.py:2371, step_functions.py:615, airflow.py:284).
- `stringify`: the value is sent as `str(value)` (the Kubernetes client, Argo and Batch
  do); Airflow's DAG file keeps Python values.
"""

from __future__ import annotations

import ast
import os

from .extract import config_imports, functions, scan_function

_K8S = "plugins/kubernetes/"
_BATCH = "plugins/aws/batch/"

TARGETS = {
    "kubernetes": {
        "functions": [
            # "a|b": the first that exists (older releases, e.g. 2.9, name them so).
            (_K8S + "kubernetes.py", ["Kubernetes.create_job_object|Kubernetes.create_job"]),
            (_K8S + "kubernetes_job.py", ["KubernetesJob.create_job_spec|KubernetesJob.create"]),
        ],
        "user_env": "last", "stringify": True,
    },
    "argo-workflows": {
        "functions": [("plugins/argo/argo_workflows.py", ["ArgoWorkflows._container_templates"])],
        "user_env": "first", "stringify": True,
    },
    "batch": {
        "functions": [(_BATCH + "batch.py", ["Batch.create_job"])],
        "user_env": "last", "stringify": True,
    },
    "step-functions": {
        # Step Functions builds its own entries, then hands them to Batch.create_job,
        # whose chain comes first in the job's list (measured).
        "functions": [
            (_BATCH + "batch.py", ["Batch.create_job"]),
            ("plugins/aws/step_functions/step_functions.py", ["StepFunctions._batch"]),
        ],
        "user_env": "first", "stringify": True,
    },
    "airflow": {
        "functions": [("plugins/airflow/airflow.py", ["Airflow._to_job"])],
        "user_env": "first", "stringify": False,
    },
}


def source_files(pkg_dir: str) -> list:
    """The plugin files the remote catalog is read from (part of the cache key)."""
    rels = sorted({rel for t in TARGETS.values() for rel, _ in t["functions"]})
    return [os.path.join(pkg_dir, *rel.split("/")) for rel in rels]


def _target(pkg_dir: str, spec: dict, trees: dict) -> dict:
    entries, missing, secrets, filters = [], [], set(), set()
    for rel, names in spec["functions"]:
        path = os.path.join(pkg_dir, *rel.split("/"))
        if rel not in trees:
            try:
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read(), path)
                trees[rel] = (tree, config_imports(tree), functions(tree))
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                trees[rel] = None
        if trees[rel] is None:
            missing.append(rel)
            continue
        _, cfg, fns = trees[rel]
        for alternatives in names:
            name = next((n for n in alternatives.split("|") if n in fns), None)
            if name is None:
                missing.append("%s:%s" % (rel, alternatives.split("|")[0]))
                continue
            scan = scan_function(fns[name], rel, cfg)
            entries.extend(scan.entries)
            secrets |= scan.secrets
            filters |= scan.filters
    return {
        "entries": entries,
        "missing": missing,
        "secrets": sorted(secrets),
        "skip_list": sorted(filters),
        "user_env": spec["user_env"],
        "stringify": spec["stringify"],
    }


def remote_data(pkg_dir: str) -> dict:
    """target -> what a task on it receives (see `_target`), as JSON data."""
    trees: dict = {}
    return {name: _target(pkg_dir, spec, trees) for name, spec in TARGETS.items()}
