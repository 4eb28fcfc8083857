"""Reading photo files safely: discovery, formats, decoding, colour, RAW and fingerprints."""
