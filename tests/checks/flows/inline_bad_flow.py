from metaflow import FlowSpec, step, secrets


class InlineBadFlow(FlowSpec):
    @secrets(sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"METAFLOW_X": "1"}}}])
    @step
    def start(self):
        self.next(self.bad_name)

    @secrets(sources=[{"type": "inline", "id": "x", "options": {"env_vars": {"MY-VAR": "1"}}}])
    @step
    def bad_name(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    InlineBadFlow()
