from metaflow import FlowSpec, step, secrets


class KvCollisionFlow(FlowSpec):
    # The same secret name in two vaults: both inject api_key.
    @secrets(sources=[
        "az-key-vault.api-key",
        {"type": "az-key-vault", "id": "https://other-vault.vault.azure.net/secrets/api-key"},
    ])
    @step
    def start(self):
        self.next(self.renamed)

    # env_var_name is sanitised too: "db-pass" -> db_pass, clashing with secret db-pass.
    @secrets(sources=[
        "az-key-vault.db-pass",
        {"type": "az-key-vault", "id": "other", "options": {"env_var_name": "db-pass"}},
    ])
    @step
    def renamed(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    KvCollisionFlow()
