"""The demo organisation and its cohorts, loaded through the real services."""
