"""Heat maps that explain the model: captum methods, their disk cache, and drawing them."""
