"""Finding extension packages (catalog/extensions/discover.py) in Metaflow's load order,
checked against what Metaflow itself loads."""

from catalog_support import config_oracle, ext_configs, write


def test_search_dirs_restrict_extensions_like_metaflow(tmp_path, acme):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for search, found in ((str(elsewhere), False), (str(acme), True)):
        env = {"METAFLOW_EXTENSIONS_SEARCH_DIRS": search}
        ours = ext_configs(acme, env=env)
        vals = config_oracle(tmp_path, {"ACME_TIMEOUT"}, [acme], env)["values"]
        assert bool(ours) is found
        assert (vals["ACME_TIMEOUT"] != "<missing>") is found


def test_load_order_of_two_extensions(tmp_path):
    """PYTHONPATH-only packages load alphabetically by path; the last one wins."""
    a, b = tmp_path / "a_ext", tmp_path / "b_ext"
    write(a, "metaflow_extensions/alpha/config/mfextinit_alpha.py", 'SHARED = "alpha"\n')
    write(b, "metaflow_extensions/beta/config/mfextinit_beta.py", 'SHARED = "beta"\n')
    ours = ext_configs(b, a)  # search order is not load order
    assert [e["org"] for e in ours] == ["alpha", "beta"]
    last = [e["configs"][0]["literals"]["SHARED"] for e in ours][-1]
    vals = config_oracle(tmp_path, {"SHARED"}, [b, a])["values"]
    assert vals["SHARED"] == last == "beta"


def make_dist(site, name, org, config_src, requires=()):
    """An installed distribution (dist-info with top_level.txt and RECORD) in `site`."""
    rel = "metaflow_extensions/%s/config/mfextinit_%s.py" % (org, org)
    write(site, rel, config_src)
    info = "%s-1.0.dist-info" % name.replace("-", "_")
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % name
    meta += "".join("Requires-Dist: %s\n" % r for r in requires)
    write(site, info + "/METADATA", meta)
    write(site, info + "/top_level.txt", "metaflow_extensions\n")
    write(site, info + "/RECORD", "%s,,\n%s/METADATA,,\n%s/RECORD,,\n" % (rel, info, info))


def test_installed_distributions_load_first_in_dependency_order(tmp_path):
    """Distributions load before PYTHONPATH-only packages, a dependency before its
    dependents (even against alphabetical order); two distributions may share one
    site-packages/metaflow_extensions directory."""
    site, loose = tmp_path / "site", tmp_path / "a_loose"
    make_dist(site, "b-ext", "bee", 'SHARED = "bee"\nONLY_DISTS = "bee"\n', requires=["c-ext>=1"])
    make_dist(site, "c-ext", "cee", 'SHARED = "cee"\nONLY_DISTS = "cee"\n')
    write(loose, "metaflow_extensions/alpha/config/mfextinit_alpha.py", 'SHARED = "alpha"\n')
    ours = ext_configs(loose, site)
    assert [(e["org"], e["package"], e["distribution"]) for e in ours] == [
        ("cee", "c-ext", True), ("bee", "b-ext", True), ("alpha", "_pythonpath_0", False)
    ]
    vals = config_oracle(tmp_path, {"SHARED", "ONLY_DISTS"}, [loose, site])["values"]
    assert vals == {"SHARED": "alpha", "ONLY_DISTS": "bee"}
