"""Tests of retraining, one file per module of dropletcleaner/core/training/retrain/."""
