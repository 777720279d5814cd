"""pdf-extract: structured, cited data out of PDFs, and proof of how good it is."""

__version__ = "0.1.0"
