from metaflow import FlowSpec, step, secrets


class MisplacedFlow(FlowSpec):
    @step
    @secrets(sources=["az-key-vault.api-key"])  # below @step: applied to a plain function
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    MisplacedFlow()
