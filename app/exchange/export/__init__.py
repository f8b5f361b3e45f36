"""Export of everything a user owns: one JSON document, and contacts as CSV."""
