"""Benchmarks of kechuang: ``make bench`` serves the app with gunicorn and loads it from a second process."""
