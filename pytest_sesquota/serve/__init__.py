"""sesquota serve: the HTTP server, its control API and the state store."""
