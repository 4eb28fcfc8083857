"""Qt-free engine, in layers (each uses only those below it; pyproject's import contracts):

``training`` > ``library`` and ``quarantine`` > ``ml`` > ``catalog`` and ``synthetic`` >
``photos`` > the shared basics (``jobs``, ``paths``, ``atomic``, ``wording``, ``names``,
``desktop``).
"""
