"""A user's notifications: the count in the header and the list page."""
