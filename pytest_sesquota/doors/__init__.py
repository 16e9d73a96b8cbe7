"""The front doors: botocore, requests and SMTP, the connection guard, and activation."""
