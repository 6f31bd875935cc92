"""What the Python files of a linted tree make valid (scan/flowparams.py)."""

import textwrap

from mfdoctor.scan.flowparams import learn_tree


def _write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def test_parameters_in_every_form(tmp_path):
    _write(tmp_path, "flows/a.py", """
        from metaflow import FlowSpec, Parameter, IncludeFile
        import metaflow
        class A(FlowSpec):
            alpha = Parameter("alpha", default=1)
            rows = Parameter(name="max-rows")
            data = IncludeFile("Data_File")
            other = metaflow.Parameter("dotted")
    """)
    _write(tmp_path, "harness/t.py", """
        class T:
            PARAMETERS = {"bool_param": {"default": False}}
            INCLUDE_FILES = {"myfile": {}}
            OTHER = {"not_a_param": 1}
    """)
    t = learn_tree([str(tmp_path)])
    assert t.params == {"ALPHA", "MAX_ROWS", "DATA_FILE", "DOTTED", "BOOL_PARAM", "MYFILE"}
    # with words: only the files that mention one are parsed
    assert learn_tree([str(tmp_path)], words=["MAX_ROWS"]).params == {"ALPHA", "MAX_ROWS", "DATA_FILE", "DOTTED"}
    assert learn_tree([str(tmp_path)], words=["BOOL_PARAM"]).params == {"BOOL_PARAM", "MYFILE"}
    assert t.where["ALPHA"].endswith("a.py:5")


def test_flow_decorator_options_only_in_flow_decorators_of_extensions(tmp_path):
    _write(tmp_path, "unregistered/opts.py", """
        from metaflow.decorators import FlowDecorator
        class NotRegistered(FlowDecorator):
            options = {"ignored": dict(default=None)}
    """)
    _write(tmp_path, "metaflow_extensions/org/plugins/opts.py", """
        from metaflow.decorators import FlowDecorator
        class WithOptions(FlowDecorator):
            options = {"foobar": dict(default=None)}
        class Unrelated:
            options = {"colour": 1}
    """)
    t = learn_tree([str(tmp_path)])
    assert t.options == {"METAFLOW_FOOBAR"}


def test_extension_settings_only_from_its_config_modules(tmp_path):
    _write(tmp_path, "pkg/metaflow_extensions/acme/config/mfextinit_acme.py", """
        from metaflow.metaflow_config_funcs import from_conf
        ACME_ROOT = from_conf("ACME_ROOT", "/tmp")
        ACME_HOST = from_conf(
            "ACME_HOST",
            None,
        )
    """)
    _write(tmp_path, "pkg/elsewhere.py", """
        from metaflow.metaflow_config_funcs import from_conf
        X = from_conf("NOT_AN_EXTENSION_KEY")
    """)
    t = learn_tree([str(tmp_path)])
    assert t.extension == {"METAFLOW_ACME_ROOT", "METAFLOW_ACME_HOST"}


def test_bad_python_is_skipped_and_explicit_files_count(tmp_path):
    _write(tmp_path, "broken.py", "Parameter('x'\n")
    good = _write(tmp_path, "one/flow.py", "from metaflow import Parameter\np = Parameter('beta')\n")
    assert learn_tree([str(tmp_path)]).params == {"BETA"}
    assert learn_tree([str(good)]).params == {"BETA"}
    assert learn_tree([str(tmp_path / "missing")]).params == set()


def test_a_name_matching_no_parameter_reads_every_file_that_defines_one(tmp_path):
    # METAFLOW_RUN_MAXROWS: no file mentions "maxrows", so the Parameters of the tree are
    # learned from every file that defines one (the did-you-mean candidates).
    _write(tmp_path, "flows/a.py", """
        from metaflow import FlowSpec, Parameter
        class A(FlowSpec):
            rows = Parameter(name="max-rows")
    """)
    _write(tmp_path, "lib/util.py", "def f():\n    return 1\n")
    t = learn_tree([str(tmp_path)], words=["MAXROWS"])
    assert t.params == {"MAX_ROWS"}
    assert t.spelled == {"MAX_ROWS": "max-rows"}
    assert t.where["MAX_ROWS"].endswith("a.py:4")
