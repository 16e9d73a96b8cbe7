"""An outbox worker: a separate process that drains queued mail through Amazon SES v2."""
