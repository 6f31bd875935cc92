# The seed's examples rewritten the way Metaflow really takes them.
from metaflow import FlowSpec, step, secrets


class SeedFixedFlow(FlowSpec):
    @secrets(sources=["az-key-vault.api-key", "az-key-vault.database-password"])
    @step
    def start(self):
        import os
        api_key = os.environ["api_key"]  # case is kept
        self.next(self.versions)

    @secrets(sources=[
        "az-key-vault.api-key/ec96f02080254f109c51a1f14cdb1931",
        {"type": "az-key-vault", "id": "https://my-keyvault.vault.azure.net/secrets/db-password"},
        "az-key-vault.https://my-keyvault.vault.azure.net/secrets/other-secret/ec96f02080254f109c51a1f14cdb1931",
    ])
    @step
    def versions(self):
        self.next(self.custom_names)

    @secrets(sources=[
        {"type": "az-key-vault", "id": "api-key", "options": {"env_var_name": "CUSTOM_API_KEY"}},
        {"type": "az-key-vault", "id": "db-password", "options": {"env_var_name": "DB_PASS"}},
    ])
    @step
    def custom_names(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SeedFixedFlow()
