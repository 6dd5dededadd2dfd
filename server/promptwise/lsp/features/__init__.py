"""One module per LSP feature; each handler gets the document, calls the core, converts."""
