"""Qt-free engine: discovery, decoding, catalog, model, training, attribution, file moves."""
