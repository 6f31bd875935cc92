"""The subprocess layer of the fuzz suite: what only a real process shows — pipes closed
early by their reader, closed standard streams, SIGPIPE — on generated configurations."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import strategies as S
from .harness import COMMANDS, base_env

STREAMS = settings(max_examples=max(4, int(os.environ.get("MFDOCTOR_FUZZ_EXAMPLES", "300")) // 40),
                   derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.reuse, Phase.generate])


@STREAMS
@given(env=st.dictionaries(st.sampled_from(S.KEYS), S.env_values, max_size=3),
       args=st.sampled_from(COMMANDS), reader=st.sampled_from(["head -c 1", "head -1", "true", "cat"]),
       redirect=st.sampled_from(["", ">&-", "2>&-", ">&- 2>&-", ">/dev/full"]))
def test_pipes_and_closed_streams(env, args, reader, redirect):
    home = tempfile.mkdtemp(prefix="mfdoctor-streams-")
    os.makedirs(os.path.join(home, ".metaflowconfig"))
    e = base_env(home, **{k: v.replace("\x00", "") for k, v in env.items()})
    cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "mfdoctor"] + args)
    # The verdict, with a reader that takes everything.
    ref = subprocess.run(cmd, shell=True, env=e, cwd=home, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, timeout=60)
    assert b"Traceback" not in ref.stderr and b"internal error" not in ref.stderr, ref.stderr
    assert ref.returncode in (0, 1)
    if redirect:
        line = "exec %s %s" % (cmd, redirect)
        p = subprocess.run(["bash", "-c", line], env=e, cwd=home, stderr=subprocess.PIPE, timeout=60)
    else:
        p = subprocess.run(["bash", "-c", "set -o pipefail; %s | %s >/dev/null" % (cmd, reader)],
                           env=e, cwd=home, stderr=subprocess.PIPE, timeout=60)
    assert b"Traceback" not in p.stderr and b"internal error" not in p.stderr, p.stderr
    if redirect == ">/dev/full":
        assert p.returncode == 2 and b"cannot write the output" in p.stderr, (p.returncode, p.stderr)
    elif reader == "cat" or redirect:
        assert p.returncode == ref.returncode, (args, redirect, p.returncode, ref.returncode, p.stderr)
    else:  # the reader left early: pipefail reports mfdoctor's own code, the verdict's
        assert p.returncode == ref.returncode, (args, reader, p.returncode, ref.returncode, p.stderr)
