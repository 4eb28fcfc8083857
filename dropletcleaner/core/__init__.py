"""Qt-free engine: discovery, decoding, catalog, model, training, attribution and file operations."""
