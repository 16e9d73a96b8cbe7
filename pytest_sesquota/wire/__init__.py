"""The wire protocols: Query XML (v1), REST JSON (v2), one HTTP dispatch, the SigV4 door check."""
