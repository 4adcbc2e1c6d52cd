"""Management commands of the web layer."""
