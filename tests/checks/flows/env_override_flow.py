import os

from metaflow import FlowSpec, step, secrets


class EnvOverrideFlow(FlowSpec):
    @secrets(
        sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"MFD_ALREADY_SET": "new"}}}],
        allow_override=True,
    )
    @step
    def start(self):
        assert os.environ["MFD_ALREADY_SET"] == "new"
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    EnvOverrideFlow()
