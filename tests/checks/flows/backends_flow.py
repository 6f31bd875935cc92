from metaflow import FlowSpec, step, secrets


class BackendsFlow(FlowSpec):
    @secrets(sources=["azure-key-vault.api-key"])
    @step
    def start(self):
        self.next(self.no_dot)

    # No '.': the default backend (METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE) is used.
    @secrets(sources=["api-key"])
    @step
    def no_dot(self):
        self.next(self.dict_no_type)

    @secrets(sources=[{"id": "db-password"}])
    @step
    def dict_no_type(self):
        self.next(self.dict_typo)

    @secrets(sources=[{"type": "az-keyvault", "id": "db-password"}])
    @step
    def dict_typo(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BackendsFlow()
