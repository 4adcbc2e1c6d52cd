"""Admin for operators."""
