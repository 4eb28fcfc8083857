"""Entry point of the PyInstaller build: ``dropletcleaner`` (the app when given no command)."""

from dropletcleaner.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
