"""Instance API domain: request models, the DynamoDB store, and the response envelope.

Shipped to every function as the `common` Lambda layer; nothing here imports dev tooling.
"""
