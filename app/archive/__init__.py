"""The leaders' archive of visits."""
