from metaflow import FlowSpec, step, secrets


class DuplicateFlow(FlowSpec):
    @secrets(sources=["az-key-vault.api-key"])
    @secrets(sources=["az-key-vault.db-password"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DuplicateFlow()
