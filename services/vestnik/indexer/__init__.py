"""The indexing stage: articles in, a searchable index out."""
