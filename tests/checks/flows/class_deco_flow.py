from metaflow import FlowSpec, step, secrets


@secrets(sources=["az-key-vault.api-key"])  # a step decorator on the flow class
class ClassDecoFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ClassDecoFlow()
