from metaflow import FlowSpec, step, secrets


class EnvClashFlow(FlowSpec):
    # MFD_ALREADY_SET is in the environment of the test run.
    @secrets(sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"MFD_ALREADY_SET": "new"}}}])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    EnvClashFlow()
