"""The fake SES account: its options, quotas per region, identities, templates and ledger."""
