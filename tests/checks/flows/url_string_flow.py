from metaflow import FlowSpec, step, secrets


class UrlStringFlow(FlowSpec):
    # A full URL in string form is split at its first '.':
    # backend "https://my-keyvault", id "vault.azure.net/secrets/api-key".
    @secrets(sources=["https://my-keyvault.vault.azure.net/secrets/api-key"])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    UrlStringFlow()
