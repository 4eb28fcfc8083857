"""Training, evaluating, calibrating and retraining the droplet model."""
