"""[tool.mfdoctor] in pyproject.toml, merged with --select/--ignore."""

from mfdoctor.findings import ERROR, Finding, Report
from mfdoctor.settings import Settings, find_pyproject, id_matches, load_settings


def test_id_matches():
    assert id_matches("config.unknown-name", "config.unknown-name")
    assert id_matches("config.unknown-name", "config")
    assert id_matches("config.unknown-name", "config.")
    assert id_matches("config.unknown-name", "config.*")
    assert id_matches("config.unknown-name", "all")
    assert not id_matches("config.unknown-name", "conf")
    assert not id_matches("config.unknown-name", "azure")
    assert not id_matches("config.unknown-name", "")


def test_found_upward_and_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.mfdoctor]\nknown-names = ["METAFLOW_ACME_*", "METAFLOW_OURS"]\n'
        'ignore = ["config.no-effect"]\nexclude = ["fixtures/**", "*.gen.yaml"]\n'
        '[tool.mfdoctor.plugins]\ndatastore = ["acme-store"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    s = load_settings(str(sub))
    assert s.path == str(tmp_path / "pyproject.toml")
    assert s.problems == []
    assert s.is_known("METAFLOW_ACME_STORE_ROOT") and s.is_known("METAFLOW_OURS")
    assert not s.is_known("METAFLOW_OTHER")
    assert not s.enabled("config.no-effect") and s.enabled("config.unknown-name")
    assert s.plugins == {"datastore": ["acme-store"]}
    assert s.excluded(str(tmp_path / "fixtures" / "x" / "y.env"))
    assert s.excluded(str(tmp_path / "deep" / "k.gen.yaml"))
    assert not s.excluded(str(tmp_path / "app" / ".env"))


def test_pyproject_without_table_is_skipped_for_a_higher_one(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mfdoctor]\nignore = ["azure"]\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "inner"\n')
    assert find_pyproject(str(inner)) == str(tmp_path / "pyproject.toml")


def test_cli_select_replaces_and_ignore_adds(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mfdoctor]\nselect = ["azure"]\nignore = ["config.no-effect"]\n')
    s = load_settings(str(tmp_path), select=["config.unknown-name,config.invalid-value"],
                      ignore=["config.whitespace"])
    assert s.select == ["config.unknown-name", "config.invalid-value"]
    assert s.ignore == ["config.no-effect", "config.whitespace"]
    assert s.enabled("config.unknown-name") and not s.enabled("azure.sysroot")


def test_broken_settings_become_findings(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mfdoctor]\nignore = "config.no-effect"\nknwon-names = []\n'
                                             'select = [1]\n')
    s = load_settings(str(tmp_path), ignore=["config.unknwn-name"])
    msgs = [f.message for f in s.problems]
    assert any("knwon-names" in m and "known-names" in m for m in msgs)
    assert any("select must be a list of strings" in m for m in msgs)
    assert any("config.unknwn-name" in m and "config.unknown-name" in m for m in msgs)
    assert s.ignore == ["config.no-effect", "config.unknwn-name"]  # a plain string is accepted
    assert all(f.check == "lint.settings" for f in s.problems)


def test_invalid_toml_is_a_finding_with_position(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mfdoctor]\nignore = [1,,]\n')
    s = load_settings(str(tmp_path))
    (f,) = s.problems
    assert f.check == "lint.settings" and f.location.path.endswith("pyproject.toml")
    assert f.location.line is not None


def test_filter_keeps_settings_problems_and_timings():
    s = Settings(ignore=["config.no-effect"])
    s.problems.append(Finding("lint.settings", "warning", "bad"))
    r = Report([Finding("config.no-effect", "info", "x"), Finding("config.unknown-name", ERROR, "y")])
    r.timings["scan"] = 0.1
    out = s.filter(r)
    assert [f.check for f in out.findings] == ["config.unknown-name", "lint.settings"]
    assert out.timings == {"scan": 0.1}
    # select narrows, and problems with the settings are never filtered away.
    s2 = Settings(select=["azure"])
    s2.problems.append(Finding("lint.settings", "warning", "bad"))
    assert [f.check for f in s2.filter(r).findings] == ["lint.settings"]
