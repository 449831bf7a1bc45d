"""Accounts and sessions: access tokens, passwords, refresh rotation, revocation, rate limits."""
