"""The views of the photos themselves: the detail panel, the large view, the loupe, compare.

:mod:`.panel` is the side panel (and, full size, the large view of :mod:`.large_view` with
its :mod:`.filmstrip`); :mod:`.canvas` and :mod:`.loupe` draw a photo at any zoom, with
:mod:`.overlay` (the droplet map or an explanation, from :mod:`.explain`, chosen in
:mod:`.overlay_control`) on top; :mod:`.preview` and :mod:`.full_res` decode off the GUI
thread; :mod:`.compare` shows several photos side by side with one zoom and pan.
"""
