"""From the light at the counter to a parsed scan: frame sources, decoders, wedge scanners."""
