"""Files shipped inside the package: droplet model weights, their cards and the app icon."""
