"""Shell read as a shell reads it: quotes, redirections, `&&`/`;`/`|`, heredocs,
continuations, `export A=1 B=2`, `env A=1 cmd`, `${VAR:-default}` reads, and the
text an `echo` writes into a profile script or `$GITHUB_ENV`."""

import random

import pytest

from mfdoctor.scan import scan_text
from mfdoctor.scan.shell import shell_occurrences
from mfdoctor.scan.text import LineIndex
from scan_helpers import col, occurrences


def occ(text, kind="shell", path="x.sh"):
    return occurrences(text, kind, path)


# A notebook instance's lifecycle script, as CloudFormation templates write it.
PROFILE_D = """\
#!/bin/bash
set -e
echo 'export METAFLOW_DEFAULT_DATASTORE=s3' >> /etc/profile.d/jupyter-env.sh
echo 'export METAFLOW_DEFAULT_METADATA=service' >> /etc/profile.d/jupyter-env.sh
echo 'export METAFLOW_DATASTORE_SYSROOT_S3=s3://${Bucket}/metaflow/' >> /etc/profile.d/jupyter-env.sh
echo "export METAFLOW_SERVICE_URL=http://${Nlb}/" | sudo tee -a /etc/profile.d/jupyter-env.sh
systemctl restart jupyter-server
"""


def test_echo_into_a_profile_script_sets_the_quoted_word_only():
    got = occ(PROFILE_D)
    assert got == [
        ("METAFLOW_DEFAULT_DATASTORE", 3, col(PROFILE_D, 3, "METAFLOW_"), "shell", "s3", None),
        ("METAFLOW_DEFAULT_METADATA", 4, col(PROFILE_D, 4, "METAFLOW_"), "shell", "service", None),
        ("METAFLOW_DATASTORE_SYSROOT_S3", 5, col(PROFILE_D, 5, "METAFLOW_"), "shell",
         "s3://${Bucket}/metaflow/", "${Bucket}"),
        ("METAFLOW_SERVICE_URL", 6, col(PROFILE_D, 6, "METAFLOW_"), "shell", "http://${Nlb}/", "${Nlb}"),
    ]
    first = scan_text(PROFILE_D, "shell", "x.sh").occurrences[0]
    assert (first.value_line, first.value_column) == (3, col(PROFILE_D, 3, "s3'"))


def test_echo_without_a_file_is_only_output():
    text = 'echo "METAFLOW_HOME: ${home}"\necho "set METAFLOW_X=1 to debug"\nprintf "METAFLOW_Y=2\\n"\n'
    assert occ(text) == []


def test_github_env_lines_set_for_the_next_steps():
    text = ('echo "METAFLOW_DATASTORE_SYSROOT_LOCAL=$HOME" >> "$GITHUB_ENV"\n'
            "echo 'METAFLOW_PROFILE=ci tests' >> $GITHUB_ENV\n")
    assert occ(text) == [
        ("METAFLOW_DATASTORE_SYSROOT_LOCAL", 1, 7, "shell", "$HOME", "$HOME"),
        # GitHub's env file: the value is the rest of the line, spaces and all.
        ("METAFLOW_PROFILE", 2, 7, "shell", "ci tests", None),
    ]


def test_assignments_exports_env_and_operators():
    text = ("export METAFLOW_A=1 METAFLOW_B='two words' && cd /app; "
            "METAFLOW_C=3 METAFLOW_D=\"4\" python flow.py run | tee log\n"
            "env -i METAFLOW_E=5 sudo METAFLOW_F=6 python x.py || exit 1\n"
            "declare -x METAFLOW_G=7\nlocal METAFLOW_H\nexport METAFLOW_I\n"
            "docker run --rm -e METAFLOW_J=8 --env=METAFLOW_K=9 -e METAFLOW_L img\n")
    got = [(n, ln, v) for n, ln, _, _, v, _ in occ(text)]
    assert got == [
        ("METAFLOW_A", 1, "1"), ("METAFLOW_B", 1, "two words"), ("METAFLOW_C", 1, "3"),
        ("METAFLOW_D", 1, "4"), ("METAFLOW_E", 2, "5"), ("METAFLOW_F", 2, "6"), ("METAFLOW_G", 3, "7"),
        ("METAFLOW_H", 4, None), ("METAFLOW_I", 5, None), ("METAFLOW_J", 6, "8"), ("METAFLOW_K", 6, "9"),
        ("METAFLOW_L", 6, None),
    ]
    b = [o for o in scan_text(text, "shell", "x.sh").occurrences if o.name == "METAFLOW_B"][0]
    assert (b.column, b.value_column) == (col(text, 1, "METAFLOW_B"), col(text, 1, "two words"))


def test_reads_are_not_sets():
    text = ('role_name=$METAFLOW_USER_ROLE\n'
            'if [ -z $METAFLOW_SKIP_INSTALL_DEPENDENCIES ]; then pip install x; fi\n'
            'echo "${METAFLOW_INIT_SCRIPT:+eval \\"${METAFLOW_INIT_SCRIPT}\\"} && run"\n'
            'url="${METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT%/}"\n'
            'd=${METAFLOW_HOME:-$HOME/.metaflowconfig}\n')
    got = occ(text)
    assert all(c == "shell-read" and v is None for _, _, _, c, v, _ in got)
    assert [(n, ln, col) for n, ln, col, _, _, _ in got] == [
        ("METAFLOW_USER_ROLE", 1, 12),
        ("METAFLOW_SKIP_INSTALL_DEPENDENCIES", 2, 10),
        ("METAFLOW_INIT_SCRIPT", 3, 9),
        ("METAFLOW_INIT_SCRIPT", 3, col(text, 3, 'METAFLOW_INIT_SCRIPT}')),
        ("METAFLOW_AZURE_STORAGE_BLOB_SERVICE_ENDPOINT", 4, 8),
        ("METAFLOW_HOME", 5, 5),
    ]


def test_comments_heredocs_and_continuations():
    text = ("# METAFLOW_COMMENTED=1\n"
            "python x.py  # METAFLOW_TRAILING=1\n"
            "cat > /etc/profile.d/mf.sh <<EOF\n"
            "export METAFLOW_SERVICE_URL=http://svc:8080/\n"
            "EOF\n"
            "python - <<'PY'\n"
            "import os; os.environ['METAFLOW_IN_PYTHON'] = '1'\n"
            "PY\n"
            "METAFLOW_USER=ci \\\n"
            "  METAFLOW_PROFILE=dev \\\n"
            "  python flow.py run\n")
    assert occ(text) == [
        ("METAFLOW_SERVICE_URL", 4, 8, "shell", "http://svc:8080/", None),
        ("METAFLOW_USER", 9, 1, "shell", "ci", None),
        ("METAFLOW_PROFILE", 10, 3, "shell", "dev", None),
    ]


def test_command_substitutions_and_ci_expressions_are_templates():
    text = ("export METAFLOW_HOME=$(pwd)/env\n"
            "export METAFLOW_RUN_ID=`cat _env_id`\n"
            "METAFLOW_SERVICE_AUTH_KEY=${{ secrets.METAFLOW_SERVICE_AUTH_KEY }} python f.py\n")
    assert occ(text) == [
        ("METAFLOW_HOME", 1, 8, "shell", "$(pwd)/env", "$(pwd)"),
        ("METAFLOW_RUN_ID", 2, 8, "shell", "`cat _env_id`", "`cat _env_id`"),
        ("METAFLOW_SERVICE_AUTH_KEY", 3, 1, "shell", "${{ secrets.METAFLOW_SERVICE_AUTH_KEY }}",
         "${{ secrets.METAFLOW_SERVICE_AUTH_KEY }}"),
    ]


def test_crlf_value_keeps_its_carriage_return():
    assert occ("export METAFLOW_F=crlf\r\n") == [("METAFLOW_F", 1, 8, "shell", "crlf\r", None)]


@pytest.mark.parametrize("text", [
    "'unclosed METAFLOW_X=1\n", '"unclosed $METAFLOW_X', "$(( echo ${ `", "echo ${METAFLOW_X",
    "cat <<EOF\nMETAFLOW_X=1\n", "<<<<<<>>>>&&&|||;;;(((", "\\", "$", "echo 'export METAFLOW_=1' >> f",
    "echo \"echo 'echo \\\"export METAFLOW_DEEP=1\\\" >> a' >> b\" >> c",
])
def test_hostile_input_never_raises(text):
    shell_occurrences(text, LineIndex(text))


def test_random_input_never_raises_and_stays_fast():
    rng = random.Random(3)
    alphabet = "METAFLOW_X=$'\"`\\(){}<>|&; \n#eEcho"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        shell_occurrences(text, LineIndex(text))


def test_big_script_is_lexed_quickly():
    import time

    filler = "".join("echo step %d of the build && make target%d\n" % (i, i) for i in range(20000))
    text = filler + "export METAFLOW_DEFAULT_DATASTORE=azure\n" + filler
    t = time.perf_counter()
    got = occ(text)
    assert got == [("METAFLOW_DEFAULT_DATASTORE", 20001, 8, "shell", "azure", None)]
    assert time.perf_counter() - t < 2.0


def test_printf_and_tee_heredoc_into_profile_scripts():
    text = ("printf 'export METAFLOW_SERVICE_URL=%s\\n' \"$URL\" >> /etc/profile.d/mf.sh\n"
            "sudo tee /etc/profile.d/mf.sh <<'EOF' >/dev/null\n"
            "export METAFLOW_DEFAULT_METADATA=service\n"
            "EOF\n")
    assert occ(text) == [
        ("METAFLOW_SERVICE_URL", 1, 16, "shell", "%s", "%s"),
        ("METAFLOW_DEFAULT_METADATA", 3, 8, "shell", "service", None),
    ]


def test_echo_e_with_several_lines_keeps_positions():
    text = "echo -e 'export METAFLOW_A=1\\nexport METAFLOW_B=2' >> ~/.bashrc\n"
    assert occ(text) == [
        ("METAFLOW_A", 1, col(text, 1, "METAFLOW_A"), "shell", "1", None),
        ("METAFLOW_B", 1, col(text, 1, "METAFLOW_B"), "shell", "2", None),
    ]
