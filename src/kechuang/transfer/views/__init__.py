"""Pages of the transfer app, one module per area."""
