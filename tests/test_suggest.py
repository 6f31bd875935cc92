"""The did-you-mean algorithm: letter typos, missing/extra/swapped words."""

import random

import pytest

from mfdoctor.suggest import Suggester, osa_distance, suggest, suggest_many, word_distance


@pytest.mark.parametrize("a,b,d", [
    ("", "", 0), ("abc", "abc", 0), ("abc", "", 3), ("", "ab", 2),
    ("DATASTORE", "DATSTORE", 1),     # dropped
    ("DATASTORE", "DATTASTORE", 1),   # doubled
    ("DATASTORE", "DATSATORE", 1),    # swapped adjacent
    ("DATASTORE", "DATAXTORE", 1),    # substituted
    ("ca", "abc", 3),                 # OSA (not full Damerau): 3
])
def test_osa_distance(a, b, d):
    assert osa_distance(a, b) == d
    assert osa_distance(b, a) == d


def test_osa_limit_cuts_off():
    assert osa_distance("AAAAAAAAAA", "BBBBBBBBBB", 2) == 3
    assert osa_distance("AB", "ABCDEFG", 2) == 3


def test_word_distance_missing_and_swapped_words():
    assert word_distance(["MAX", "WORKERS"], ["RUN", "MAX", "WORKERS"]) == 1.0
    assert word_distance(["DATASTORE", "DEFAULT"], ["DEFAULT", "DATASTORE"]) == 1.0
    assert word_distance(["A", "B"], ["A", "B"]) == 0.0


KNOWN = [
    "METAFLOW_DEFAULT_DATASTORE", "METAFLOW_DATASTORE", "METAFLOW_DEFAULT_METADATA",
    "METAFLOW_RUN_MAX_WORKERS", "METAFLOW_RESUME_MAX_WORKERS",
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE", "METAFLOW_BATCH_JOB_QUEUE",
    "METAFLOW_AZURE_STORAGE_WORKLOAD_TYPE", "METAFLOW_KUBERNETES_NAMESPACE",
    "METAFLOW_DATASTORE_SYSROOT_S3", "METAFLOW_DATASTORE_SYSROOT_GS",
]


@pytest.mark.parametrize("typo,want", [
    ("METAFLOW_DEFAULT_DATSTORE", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_DEFAULT_DATTASTORE", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_DEFUALT_DATASTORE", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_MAX_WORKERS", "METAFLOW_RUN_MAX_WORKERS"),
    ("METAFLOW_SECRETS_BACKEND_TYPE", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
    ("METAFLOW_SECRET_BACKEND_TYPE", "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE"),
    ("METAFLOW_DATASTORE_DEFAULT", "METAFLOW_DEFAULT_DATASTORE"),
    ("METAFLOW_KUBERNETES_NAME_SPACE", "METAFLOW_KUBERNETES_NAMESPACE"),
    ("metaflow_default_datastore", "METAFLOW_DEFAULT_DATASTORE"),
    ("DEFAULT_DATASTORE", "METAFLOW_DEFAULT_DATASTORE"),
])
def test_suggestions(typo, want):
    assert suggest(typo, KNOWN, preferred=KNOWN[:3]) == want


@pytest.mark.parametrize("name,cands", [
    # An extra word, a replaced word, a word inserted in the middle: another meaning
    # (names met in real repositories: the Metaflow UI's HEAD, an admin script's
    # USER_ROLE, a plugin's FLYTE_CLONE_RUN_ID, a branch's BATCH_CLIENT_PARAMS).
    ("METAFLOW_HEAD", ["METAFLOW_HELP", "METAFLOW_USER"]),
    ("METAFLOW_USER_ROLE", ["METAFLOW_USER"]),
    ("METAFLOW_RUN_ID_BASE", ["METAFLOW_RUN_ID"]),
    ("METAFLOW_JOB_QUEUE_NAME", ["METAFLOW_BATCH_JOB_QUEUE"]),
    ("METAFLOW_FLYTE_CLONE_RUN_ID", ["METAFLOW_STEP_CLONE_RUN_ID"]),
    ("METAFLOW_BATCH_CLIENT_PARAMS", ["METAFLOW_DATATOOLS_CLIENT_PARAMS"]),
    ("METAFLOW_SFN_DYNAMO_DB_CLIENT_PARAMS", ["METAFLOW_DATATOOLS_CLIENT_PARAMS"]),
    ("METAFLOW_KUBERNETES_IMAGE", ["METAFLOW_KUBERNETES_STEP_IMAGE"]),
    ("METAFLOW_CONDA_S3ROOT", ["METAFLOW_CONDA_PACKAGE_S3ROOT"]),
    ("METAFLOW_IMAGE", ["METAFLOW_BATCH_IMAGE"]),  # a one-word name gains no qualifier
])
def test_no_suggestion_that_changes_the_meaning(name, cands):
    assert suggest(name, cands) is None


def test_how_a_suggestion_relates():
    s = Suggester(KNOWN)
    assert s.match("METAFLOW_DEFAULT_DATSTORE") == ("METAFLOW_DEFAULT_DATASTORE", "typo")
    assert s.match("METAFLOW_DATASTORE_DEFAULT") == ("METAFLOW_DEFAULT_DATASTORE", "typo")
    assert s.match("METAFLOW_MAX_WORKERS") == ("METAFLOW_RUN_MAX_WORKERS", "qualifier")
    assert s.match("METAFLOW_FOO") is None


def test_nothing_close_gives_none():
    assert suggest("METAFLOW_FOO", KNOWN) is None
    assert suggest("METAFLOW_COMPLETELY_DIFFERENT_THING", KNOWN) is None
    assert suggest("", KNOWN) is None


def test_plugin_names():
    plugins = ["local", "s3", "azure", "gs", "spin"]
    assert suggest("azur", plugins) == "azure"
    assert suggest("Azure", plugins) == "azure"
    assert suggest("az-key-vaul", ["inline", "az-key-vault", "aws-secrets-manager"]) == "az-key-vault"
    assert suggest("azure-key-vault", ["inline", "az-key-vault", "aws-secrets-manager",
                                       "gcp-secret-manager"]) == "az-key-vault"
    assert suggest("high-throughput", ["general", "high_throughput"]) == "high_throughput"


def test_ranked_is_deterministic_and_ordered():
    r1 = suggest_many("METAFLOW_MAX_WORKERS", KNOWN, n=3)
    r2 = Suggester(list(reversed(KNOWN))).ranked("METAFLOW_MAX_WORKERS", 3)
    assert r1 == r2 == ["METAFLOW_RUN_MAX_WORKERS", "METAFLOW_RESUME_MAX_WORKERS"]


def test_preferred_breaks_ties():
    cands = ["METAFLOW_ABC_X", "METAFLOW_ABD_X"]
    assert suggest("METAFLOW_AB_X", cands, preferred=["METAFLOW_ABD_X"]) == "METAFLOW_ABD_X"
    assert suggest("METAFLOW_AB_X", cands, preferred=["METAFLOW_ABC_X"]) == "METAFLOW_ABC_X"


def test_random_single_typos_of_synthetic_names():
    rng = random.Random(3)
    words = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL"]
    names = sorted({"METAFLOW_" + "_".join(rng.sample(words, rng.randint(1, 3))) for _ in range(60)})
    s = Suggester(names)
    hits = total = 0
    for n in names:
        body = n[len("METAFLOW_"):]
        i = rng.randrange(len(body) - 1)
        typo = "METAFLOW_" + body[:i] + body[i + 1] + body[i] + body[i + 2:]
        if typo in names or body[i] == body[i + 1]:
            continue
        total += 1
        hits += s.best(typo) == n
    assert total > 30 and hits / total >= 0.9
