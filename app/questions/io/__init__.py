"""A bank as a file: import from and export to JSON, CSV or Markdown."""
