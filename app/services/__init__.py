"""Business rules as plain typed functions. They flush, never commit, and know no request."""
