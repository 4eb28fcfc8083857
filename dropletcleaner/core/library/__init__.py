"""A library of photos: scanning into the catalog, thumbnails, reports and XMP sidecars."""
