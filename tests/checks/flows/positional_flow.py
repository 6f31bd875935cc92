from metaflow import FlowSpec, step, secrets


class PositionalFlow(FlowSpec):
    @secrets(["az-key-vault.api-key"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    PositionalFlow()
