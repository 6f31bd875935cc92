import os

os.environ["METAFLOW_SHOUT_LEVEL"] = "loud"
base = os.environ.get("METAFLOW_RUN_ID_OFFSET")
