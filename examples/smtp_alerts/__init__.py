"""On-call alerts sent through Amazon SES's SMTP interface: the application under test."""
