"""Peers: the same small items API (20 items in memory) with CORS for one origin with credentials."""
