"""`make dev`: the API served locally without Docker. See server.py."""
