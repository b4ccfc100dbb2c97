"""The one structured logger of every function (aws-lambda-powertools), JSON with the request id.

The service name comes from POWERTOOLS_SERVICE_NAME, set per function in template.yaml.
"""

from aws_lambda_powertools import Logger

logger = Logger()
