"""Forms of the transfer app's pages, one module per area."""
