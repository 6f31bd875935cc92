"""The composite GitHub Action (action.yml), run as the runner runs it: each step's
`run:` script with `bash --noprofile --norc -eo pipefail`, its `env:` with the inputs
filled in, and the runner's variables (GITHUB_ACTION_PATH, GITHUB_WORKSPACE,
GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, RUNNER_TEMP). mfdoctor is really pip-installed from
a copy of the action's checkout into a fresh virtual environment."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTION = os.path.join(ROOT, "action.yml")
_EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def _load():
    with open(ACTION, encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_inputs_reach_scripts_only_through_env():
    action = _load()
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["name"]  # no expression pasted into shell text
        for value in step.get("env", {}).values():
            for expr in _EXPR.findall(str(value)):
                assert expr.startswith("inputs.") and expr[len("inputs."):] in action["inputs"], expr


def _run_action(inputs, runner_env, workspace):
    """Run action.yml's steps in order, as the runner would; returns (code, output, outputs)."""
    action = _load()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    outputs_file = runner_env["GITHUB_OUTPUT"]
    log = ""
    for step in action["runs"]["steps"]:
        env = dict(runner_env)
        for k, v in step.get("env", {}).items():
            env[k] = _EXPR.sub(lambda m: values[m.group(1)[len("inputs."):]], str(v))
        script = os.path.join(runner_env["RUNNER_TEMP"], "step.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(step["run"])
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=workspace,
                           env=env, capture_output=True, text=True, timeout=300)
        log += p.stdout + p.stderr
        if p.returncode:
            break
    with open(outputs_file, encoding="utf-8") as f:
        outputs = dict(line.strip().split("=", 1) for line in f if "=" in line)
    return p.returncode, log, outputs


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """A fresh venv (the job's Python) that sees this interpreter's packages (Metaflow,
    typer, the Azure SDK: what the project's job would have installed), and a copy of the
    action's checkout without the tests."""
    tmp = tmp_path_factory.mktemp("action")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(purelib, "job-packages.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    checkout = tmp / "checkout"
    checkout.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy(os.path.join(ROOT, name), checkout / name)
    shutil.copytree(os.path.join(ROOT, "mfdoctor"), checkout / "mfdoctor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp, py, checkout


def _runner_env(tmp, checkout, workspace, **extra):
    temp = tmp / ("runner-" + workspace.name)
    temp.mkdir(exist_ok=True)
    summary, outputs = temp / "summary.md", temp / "outputs"
    summary.write_text("")
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METAFLOW_", "AZURE_", "PYTHON"))}
    env.update(GITHUB_ACTIONS="true", GITHUB_ACTION_PATH=str(checkout), GITHUB_WORKSPACE=str(workspace),
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs), RUNNER_TEMP=str(temp),
               HOME=str(tmp / "home"), METAFLOW_HOME=str(tmp / "home"), MFDOCTOR_CACHE_DIR=str(tmp / "cache"),
               NO_COLOR="1")
    env.update(extra)
    return env, summary


def test_the_action_annotates_summarises_and_fails_the_step(job):
    tmp, py, checkout = job
    ws = tmp / "ws-broken"
    (ws / ".metaflow").mkdir(parents=True)
    (ws / ".metaflow" / "config.json").write_text(
        '{\n  "METAFLOW_DEFAULT_DATASTORE": "azure",\n  "METAFLOW_DATASTORE_SYSROOT_AZURE": "az://flows/"\n}\n')
    env, summary = _runner_env(tmp, checkout, ws, USER="alice",
                               METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/")
    code, log, outputs = _run_action({"python": str(py), "args": "--offline", "metaflow-version": "2.19.39"},
                                     env, ws)
    assert code == 1, log
    assert outputs == {"exit-code": "1"}
    assert "Metaflow 2.19.39" in log  # the install step's --version
    # An annotation on the workspace-relative file, and none for the probes not run.
    assert "::error file=.metaflow/config.json,line=3,col=3,title=azure.sysroot" in log
    assert "azure.credential" not in "".join(ln for ln in log.splitlines() if ln.startswith("::"))
    md = summary.read_text()
    assert md.startswith("## mfdoctor check all: FAILED") and "### Errors (1)" in md and "azure.sysroot" in md


def test_the_action_passes_strict_offline(job):
    tmp, py, checkout = job
    ws = tmp / "ws-good"
    ws.mkdir()
    env, summary = _runner_env(tmp, checkout, ws, USER="alice", METAFLOW_DEFAULT_DATASTORE="azure",
                               METAFLOW_DATASTORE_SYSROOT_AZURE="flows/metaflow",
                               METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT="https://acct.blob.core.windows.net/")
    code, log, outputs = _run_action({"python": str(py), "args": "--offline", "strict": "true"}, env, ws)
    assert code == 0, log
    assert outputs == {"exit-code": "0"}
    assert "mfdoctor: passed:" in log and "strict" in log
    assert "## mfdoctor check all: passed" in summary.read_text()
