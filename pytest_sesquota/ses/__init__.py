"""SES's operations (v1 and v2) and the message rules they share, independent of any wire."""
