#!/usr/bin/env python3
"""Run every console example in README.md in a sandbox and compare its output.

README.md describes the sandbox itself:
- `<!-- demo-file: /tmp/demo/PATH -->` followed by a fenced block: a file the examples
  read, written with that block's text;
- ```console blocks: `$ COMMAND` lines, each followed by the output it prints
  (stdout and stderr, as a terminal shows them). The commands of all blocks run in
  order in one bash session (so `export` and `cd` carry over), with `mfdoctor` on PATH,
  a scratch HOME and cache, and no METAFLOW_*, AZURE_* or USER from the caller.

Output is normalised: the sandbox directory reads as /tmp/demo and the installed
Metaflow's directory as /path/to/site-packages/metaflow.

    python scripts/readme_examples.py          # exit 1 and show the differences
    python scripts/readme_examples.py --write  # rewrite the outputs in README.md
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
DEMO = "/tmp/demo"
METAFLOW_PLACEHOLDER = "/path/to/site-packages/metaflow"
_FENCE = re.compile(r"^```(\w*)\s*$")
_DEMO_FILE = re.compile(r"^<!-- demo-file: (\S+) -->\s*$")
_MARK = "@@mfdoctor-readme-example %d@@"


def parse(text: str):
    """([(path, content)], [(line index of the command, command, expected output)])."""
    lines = text.split("\n")
    files, examples = [], []
    i = 0
    while i < len(lines):
        m = _DEMO_FILE.match(lines[i])
        if m and i + 1 < len(lines) and _FENCE.match(lines[i + 1]):
            j = i + 2
            while not lines[j].startswith("```"):
                j += 1
            files.append((m.group(1), "\n".join(lines[i + 2:j]) + "\n"))
            i = j + 1
            continue
        f = _FENCE.match(lines[i])
        if f and f.group(1) == "console":
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            cur = None
            for k in range(i + 1, j):
                if lines[k].startswith("$ "):
                    cur = [k, lines[k][2:], []]
                    examples.append(cur)
                elif cur is not None:
                    cur[2].append(lines[k])
            i = j + 1
            continue
        if f:  # another fenced block: skip it whole
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            i = j + 1
            continue
        i += 1
    return files, [(k, cmd, "\n".join(out)) for k, cmd, out in examples]


def _metaflow_dir(python: str):
    p = subprocess.run([python, "-c", "import importlib.util as u; s = u.find_spec('metaflow'); "
                        "print(s.submodule_search_locations[0] if s else '')"],
                       capture_output=True, text=True)
    return p.stdout.strip() or None


def run(text: str, python: str = sys.executable) -> list:
    """The actual output of each example, in order."""
    files, examples = parse(text)
    with tempfile.TemporaryDirectory() as tmp:
        demo = os.path.join(os.path.realpath(tmp), "demo")
        for path, content in files:
            assert path.startswith(DEMO + "/"), path
            dest = demo + path[len(DEMO):]
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                f.write(content)
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        shim = os.path.join(bindir, "mfdoctor")
        with open(shim, "w") as f:
            f.write('#!/bin/sh\nexec "%s" -m mfdoctor "$@"\n' % python)
        os.chmod(shim, 0o755)
        scratch = os.path.join(tmp, "scratch-home")
        os.makedirs(scratch)
        env = {"PATH": bindir + os.pathsep + "/usr/local/bin:/usr/bin:/bin", "HOME": scratch,
               "LANG": "C.UTF-8", "MFDOCTOR_CACHE_DIR": os.path.join(tmp, "cache"),
               "PYTHONPATH": ROOT, "TERM": "dumb"}
        script = ["cd %s" % demo]
        for n, (_, cmd, _) in enumerate(examples):
            script += ["echo '%s'" % (_MARK % n), "%s 2>&1" % cmd.replace(DEMO, demo)]
        p = subprocess.run(["bash", "--noprofile", "--norc", "-c", "\n".join(script)], env=env, cwd=demo,
                           capture_output=True, text=True, timeout=300)
        out = p.stdout
    mf = _metaflow_dir(python)
    if mf:
        out = out.replace(mf, METAFLOW_PLACEHOLDER)
    out = out.replace(demo, DEMO)
    parts = re.split(r"^@@mfdoctor-readme-example (\d+)@@\n", out, flags=re.M)
    got = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    return ["\n".join(ln.rstrip() for ln in got.get(n, "").rstrip("\n").split("\n"))
            for n in range(len(examples))]


def differences(text: str, python: str = sys.executable) -> list:
    _, examples = parse(text)
    out = []
    for (_, cmd, want), got in zip(examples, run(text, python)):
        if want != got:
            diff = difflib.unified_diff(want.split("\n"), got.split("\n"), "README", "actual", lineterm="")
            out.append("$ %s\n%s" % (cmd, "\n".join(diff)))
    return out


def rewrite(text: str, python: str = sys.executable) -> str:
    _, examples = parse(text)
    lines = text.split("\n")
    results = run(text, python)
    # From the last example up, so earlier line numbers stay valid.
    for (k, _, want), got in reversed(list(zip(examples, results))):
        n = len(want.split("\n")) if want else 0
        lines[k + 1:k + 1 + n] = got.split("\n") if got else []
    return "\n".join(lines)


def main(argv) -> int:
    text = open(README, encoding="utf-8").read()
    if "--write" in argv:
        with open(README, "w", encoding="utf-8") as f:
            f.write(rewrite(text))
        return 0
    diffs = differences(text)
    for d in diffs:
        print(d, end="\n\n")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
