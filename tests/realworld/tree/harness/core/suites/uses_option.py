import os

os.environ["METAFLOW_SHOUT_LEVEL"] = "loud"
os.environ["METAFLOW_RUN_ID_OFFSET"] = "7"
debug = os.environ.get("METAFLOW_SUITE_DEBUG", "false").lower() in ("1", "true")
