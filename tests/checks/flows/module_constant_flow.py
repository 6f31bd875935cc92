from metaflow import FlowSpec, step, secrets

# Sources kept in a module-level list: checked like the list itself.
SECRET_SRCS = ["api-key"]
SHARED = "az-key-vault.api-key"
# Bound twice: not statically known.
REBOUND = ["az-key-vault.api-key"]
REBOUND = REBOUND + ["az-key-vault.other"]


class ModuleConstantFlow(FlowSpec):
    @secrets(sources=SECRET_SRCS)
    @step
    def start(self):
        self.next(self.shared)

    @secrets(sources=[SHARED])
    @step
    def shared(self):
        self.next(self.rebound)

    @secrets(sources=REBOUND)
    @step
    def rebound(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ModuleConstantFlow()
