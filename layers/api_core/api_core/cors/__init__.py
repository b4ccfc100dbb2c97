"""CORS for every function: origin parsing (`origins`), the policy and its decisions (`policy`)."""
