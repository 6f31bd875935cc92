import metaflow as mf
from metaflow import secrets as sec


class Base(mf.FlowSpec):
    pass


class AliasesFlow(Base):
    @mf.secrets(sources=["az-key-vault.api-key"])
    @mf.step
    def start(self):
        self.next(self.end)

    @sec(sources=["azure-key-vault.db-password"])
    @mf.step
    def end(self):
        pass


if __name__ == "__main__":
    AliasesFlow()
