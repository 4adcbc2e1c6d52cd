"""Users, organisations, memberships with roles, expert profiles and API tokens."""
