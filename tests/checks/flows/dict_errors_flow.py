from metaflow import FlowSpec, step, secrets


class DictErrorsFlow(FlowSpec):
    @secrets(sources=[{"type": "az-key-vault"}])  # no id
    @step
    def start(self):
        self.next(self.type_not_str)

    @secrets(sources=[{"type": 3, "id": "api-key"}])
    @step
    def type_not_str(self):
        self.next(self.options_not_dict)

    @secrets(sources=[{"type": "az-key-vault", "id": "api-key", "options": ["env_var_name", "X"]}])
    @step
    def options_not_dict(self):
        self.next(self.env_name_top_level)

    # env_var_name belongs under "options": Metaflow ignores it here.
    @secrets(sources=[{"type": "az-key-vault", "id": "api-key", "env_var_name": "API_KEY"}])
    @step
    def env_name_top_level(self):
        self.next(self.not_str_or_dict)

    @secrets(sources=[42])
    @step
    def not_str_or_dict(self):
        self.next(self.sources_string)

    @secrets(sources="az-key-vault.api-key")
    @step
    def sources_string(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DictErrorsFlow()
