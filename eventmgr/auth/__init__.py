"""Accounts: log in and out, password reset, invitations, and permissions."""
