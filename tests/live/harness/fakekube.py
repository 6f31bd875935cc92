"""A fake Kubernetes API server: it records each Job Metaflow's `kubernetes step` creates and
answers 404 to every read, so the run stops right after submitting (no cluster needed).

`kubeconfig(path)` writes a kubeconfig pointing at it (what `KubernetesClient()` loads)."""

from __future__ import annotations

import json

from .servers import Handler, Server


class _KubeHandler(Handler):
    def do_POST(self):
        body = json.loads(self.body() or b"{}")
        self.server.jobs.append({"path": self.path, "body": body})
        meta = body.setdefault("metadata", {})
        n = len(self.server.jobs)
        meta.update(name=(meta.get("generateName") or "job-") + "x%d" % n, uid="uid-%d" % n)
        self.reply(201, json.dumps(body).encode())

    def do_GET(self):
        self.reply(404, json.dumps({"kind": "Status", "status": "Failure", "code": 404}).encode())

    do_DELETE = do_PATCH = do_GET


def start_fake_kube() -> Server:
    srv = Server(_KubeHandler)
    srv.jobs = []
    return srv.start()


def kubeconfig(srv: Server, path: str) -> str:
    with open(path, "w") as f:
        f.write(
            "apiVersion: v1\nkind: Config\n"
            "clusters: [{name: fake, cluster: {server: \"%s\"}}]\n"
            "users: [{name: fake, user: {token: fake}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: default}}]\n"
            "current-context: fake\n" % srv.url)
    return path
