"""mfdoctor: the configuration doctor for Metaflow."""

__version__ = "0.1.0"

# Where each check is documented: the README's check table has an anchor per check id
# (`DOCS_URL#config.unknown-name`). SARIF `helpUri` links there.
DOCS_URL = "https://github.com/mfdoctor/mfdoctor/blob/main/README.md"
