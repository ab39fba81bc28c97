"""The adapters on AWS: DynamoDB (the store, the host index), Secrets Manager, EventBridge,
and what a botocore failure means to a client."""
