"""Commands: ``openapi``."""
