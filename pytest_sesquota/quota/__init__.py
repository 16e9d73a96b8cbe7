"""SES's quotas on any clock: the sending quotas' engine and the API rate limit."""
