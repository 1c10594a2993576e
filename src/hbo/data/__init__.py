"""Data: record formats, mixture loading and tokenisation, and the built-in demo mixture."""
