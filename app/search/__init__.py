"""One search over everything a user wrote: the index, its queries and the search pages."""
