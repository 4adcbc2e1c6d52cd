"""The base layout, home page, navigation and shared page components."""
