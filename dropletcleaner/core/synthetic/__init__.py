"""Rendered training data: water on the lens, water in the scene, hard negatives, the demo."""
