"""Running the service like a real one: `backup` (and restore), `purge` (RGPD retention),
`scale_seed` (a region-sized data set). One module a command; `central.cli` only parses."""
