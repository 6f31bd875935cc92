"""Two steps, nothing else: what `argo-workflows create` and `run --with kubernetes` deploy
in tests/live/test_live_remote.py (the `start` step's container is compared)."""

from metaflow import FlowSpec, step


class HelloRemoteFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    HelloRemoteFlow()
