"""Safe quarantine: spoiled photos moved aside with their sidecars, journalled, restorable.

The public operations are in :mod:`.api`, their results in :mod:`.outcomes`.
"""
