"""Helpers shared by the test tiers: events, handler loading, the template, DynamoDB."""
