from metaflow import FlowSpec, step, secrets


class BadIdsFlow(FlowSpec):
    @secrets(sources=["az-key-vault.api_key"])  # '_' is not allowed in Key Vault names
    @step
    def start(self):
        self.next(self.bad_version)

    @secrets(sources=["az-key-vault.api-key/v2"])
    @step
    def bad_version(self):
        self.next(self.keys_type)

    @secrets(sources=[{"type": "az-key-vault", "id": "https://my-keyvault.vault.azure.net/keys/signing"}])
    @step
    def keys_type(self):
        self.next(self.metaflow_name)

    @secrets(sources=["az-key-vault.METAFLOW-TOKEN"])
    @step
    def metaflow_name(self):
        self.next(self.bad_env_name)

    @secrets(sources=[{"type": "az-key-vault", "id": "api-key", "options": {"env_var_name": "1KEY"}}])
    @step
    def bad_env_name(self):
        self.next(self.bad_vault)

    @secrets(sources=[{"type": "az-key-vault", "id": "https://kv.vault.azure.net/secrets/api-key"}])
    @step
    def bad_vault(self):
        self.next(self.azure_vault_rule)

    # Metaflow accepts a vault name starting with a digit; Azure does not.
    @secrets(sources=[{"type": "az-key-vault", "id": "https://1vault.vault.azure.net/secrets/api-key"}])
    @step
    def azure_vault_rule(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BadIdsFlow()
