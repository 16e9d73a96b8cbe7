"""Reporting: the SES conversation, the session summary, the quota timeline and its picture."""
