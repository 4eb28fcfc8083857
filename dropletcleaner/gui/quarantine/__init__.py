"""The app's side of the quarantine: the queue that moves photos, and the window that lists them.

:mod:`.queue` is the one worker that moves files (quarantine, restore, undo, empty,
recovery), in order, through :mod:`dropletcleaner.core.quarantine`; :mod:`.window` is
File ▸ Quarantine Window, and :mod:`.view` what it shows beyond the batch list.
"""
