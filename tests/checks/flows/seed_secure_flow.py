# The seed doc's "Using Secrets" example, verbatim (it uses a secrets= argument
# that @secrets does not take).
from metaflow import FlowSpec, step, secrets

class SecureFlow(FlowSpec):
    @secrets(
        sources=["az-key-vault"],
        secrets=["api-key", "database-password"]
    )
    @step
    def start(self):
        import os
        # Secrets injected as environment variables
        api_key = os.environ["API_KEY"]
        db_password = os.environ["DATABASE_PASSWORD"]

        # Use secrets securely
        self.data = fetch_data(api_key, db_password)
        self.next(self.end)

    @step
    def end(self):
        print(f"Fetched {len(self.data)} records")


if __name__ == "__main__":
    SecureFlow()
