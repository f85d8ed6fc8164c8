__version__ = "0.1.0"
DEFAULT_PORT = 5765
