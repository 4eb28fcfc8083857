"""Tests of the core, one file per module of dropletcleaner/core/."""
