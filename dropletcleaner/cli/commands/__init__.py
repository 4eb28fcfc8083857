"""The sub-commands of ``dropletcleaner``: one module per command group, named for it.

Every module here is discovered by :func:`dropletcleaner.cli.parser.command_modules` and
exposes ``ORDER: int`` (its place in ``--help``) and ``register(subparsers)``. Helpers that
several commands use live one level up, in :mod:`dropletcleaner.cli`.
"""
