import os

from metaflow import FlowSpec, step, secrets


class InlineOkFlow(FlowSpec):
    @secrets(sources=[
        {"type": "inline", "id": "db", "options": {"env_vars": {"MFD_DB_USER": "u", "MFD_DB_PASS": "p"}}},
        "inline.nothing",
    ])
    @step
    def start(self):
        assert os.environ["MFD_DB_USER"] == "u" and os.environ["MFD_DB_PASS"] == "p"
        print("MFD_INJECTED_OK")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    InlineOkFlow()
