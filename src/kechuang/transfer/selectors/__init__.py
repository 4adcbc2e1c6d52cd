"""Reads of the transfer app, one module per area; import the module you need (``selectors.registry``)."""
