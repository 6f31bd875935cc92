"""Per-package assembly of extensions (catalog/extensions/assemble.py): broken
extension points and the builder's default call."""

from mfdoctor.catalog import sources

from catalog_support import ext_configs, run_py, write


def test_broken_extension_is_reported(tmp_path):
    """An extension point without its mfextinit_*.py makes `import metaflow` fail."""
    base = tmp_path / "bad"
    write(base, "metaflow_extensions/oops/config/mfextinit_oops.py", "OOPS = 1\n")
    write(base, "metaflow_extensions/oops/plugins/helper.py", "X = 1\n")
    ours = ext_configs(base)
    assert len(ours) == 1 and ours[0]["errors"]
    assert "no configuration file" in ours[0]["errors"][0]
    proc = run_py("import metaflow.metaflow_config", tmp_path, pythonpath=[base], check=False)
    assert proc.returncode != 0 and "does not define a configuration file" in proc.stderr


def test_extension_configs_defaults():
    # What the catalog builder calls: no arguments, the current process's sys.path.
    assert isinstance(sources.extension_configs(), list)
