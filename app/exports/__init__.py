"""Exports a user downloads: made at once when small, as a background job when large."""
