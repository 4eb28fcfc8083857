"""Tests of the sub-commands, one file per module of dropletcleaner/cli/commands/."""
