import os

from metaflow import FlowSpec, step, secrets

VAULT = "https://my-keyvault.vault.azure.net"
SOURCES = ["az-key-vault.api-key"]


def vault_source(name):
    return {"type": "az-key-vault", "id": "%s/secrets/%s" % (VAULT, name)}


class DynamicFlow(FlowSpec):
    @secrets(sources=SOURCES)
    @step
    def start(self):
        self.next(self.from_call)

    @secrets(sources=[vault_source("db-password"), "az-key-vault.api-key"])
    @step
    def from_call(self):
        self.next(self.fstring)

    @secrets(sources=[f"az-key-vault.{os.environ.get('SECRET_NAME', 'x')}"])
    @step
    def fstring(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DynamicFlow()
