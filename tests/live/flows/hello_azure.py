"""The smallest flow that uses the Azure datastore: two steps, one artifact."""

from metaflow import FlowSpec, step


class HelloAzureFlow(FlowSpec):
    @step
    def start(self):
        self.greeting = "hello"
        self.next(self.end)

    @step
    def end(self):
        assert self.greeting == "hello"


if __name__ == "__main__":
    HelloAzureFlow()
