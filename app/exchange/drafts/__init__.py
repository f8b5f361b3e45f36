"""Import drafts: the uploaded file kept server-side between its preview and its commit."""
