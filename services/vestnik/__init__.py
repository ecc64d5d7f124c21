"""vestnik: scraped news pages in, clean searchable articles out."""

__version__ = "0.1.0"
