"""What every test runs inside: a fake AWS account, and the table name handler tests use."""

TABLE_NAME = "api-test-table"
# Fake credentials and a fixed region: no test may reach AWS.
SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
