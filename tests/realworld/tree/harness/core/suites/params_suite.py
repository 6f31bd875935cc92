# A test-harness class that declares flow parameters as dicts (rendered into a
# generated flow), not as Parameter(...) calls.
class ParamsSuite:
    PARAMETERS = {
        "fast_mode": {"default": True, "type": "bool"},
        "unset_label": {"default": None},
    }
    INCLUDE_FILES = {"input_blob": {"default": "'./blob.txt'"}}

    def check(self, run):
        assert run["start"].task.data.fast_mode is False
