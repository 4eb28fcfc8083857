"""The droplet model: card, network, model files and store, inference, metrics, heat maps."""
