# The seed doc's "Secret ID Formats" and "Custom Environment Variable Names"
# examples, gathered into one flow as written there.
from metaflow import FlowSpec, step, secrets


class SeedIdFormatsFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.step_one)

    # Uses METAFLOW_AZURE_KEY_VAULT_PREFIX + secret name
    @secrets(sources=["az-key-vault"], secrets=["api-key"])
    @step
    def step_one(self):
        import os
        key = os.environ["API_KEY"]  # Hyphen converted to underscore
        self.next(self.step_two)

    # Specific version of secret
    @secrets(sources=["az-key-vault"], secrets=["api-key/ec96f02080254f109c51a1f14cdb1931"])
    @step
    def step_two(self):
        import os
        key = os.environ["API_KEY"]
        self.next(self.step_three)

    # Full Key Vault URL
    @secrets(
        sources=["az-key-vault"],
        secrets=["https://my-keyvault.vault.azure.net/secrets/api-key"]
    )
    @step
    def step_three(self):
        import os
        key = os.environ["API_KEY"]
        self.next(self.step_four)

    # Full URL with specific version
    @secrets(
        sources=["az-key-vault"],
        secrets=["https://my-keyvault.vault.azure.net/secrets/api-key/ec96f02080254f109c51a1f14cdb1931"]
    )
    @step
    def step_four(self):
        import os
        key = os.environ["API_KEY"]
        self.next(self.custom_names)

    @secrets(
        sources=["az-key-vault"],
        secrets=[
            ("api-key", {"env_var_name": "CUSTOM_API_KEY"}),
            ("db-password", {"env_var_name": "DB_PASS"})
        ]
    )
    @step
    def custom_names(self):
        import os
        api_key = os.environ["CUSTOM_API_KEY"]
        db_pass = os.environ["DB_PASS"]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SeedIdFormatsFlow()
