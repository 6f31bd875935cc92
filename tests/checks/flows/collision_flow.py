from metaflow import FlowSpec, step, secrets


class CollisionFlow(FlowSpec):
    # Both inject DB_PASSWORD.
    @secrets(sources=[
        {"type": "inline", "id": "first", "options": {"env_vars": {"DB_PASSWORD": "a"}}},
        {"type": "inline", "id": "second", "options": {"env_vars": {"DB_PASSWORD": "b", "OTHER": "c"}}},
    ])
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    CollisionFlow()
