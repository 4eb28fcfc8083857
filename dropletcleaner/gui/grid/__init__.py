"""The photo grid: its model (filter, sort, counts), view, delegate, thumbnails and size.

:mod:`.model` holds the rows the grid shows; :mod:`.view` and :mod:`.delegate` draw them;
:mod:`.thumbnails` loads their pictures in the background; :mod:`.thumb_size` is the size
slider and its keys.
"""
