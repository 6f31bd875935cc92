"""mfdoctor: the configuration doctor for Metaflow."""

__version__ = "0.1.0"
