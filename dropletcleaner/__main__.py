"""Allow ``python -m dropletcleaner`` as an alias of the ``dropletcleaner`` command."""

from dropletcleaner.cli import main

raise SystemExit(main())
