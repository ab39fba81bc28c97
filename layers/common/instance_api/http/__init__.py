"""The HTTP edge: from an API Gateway event to a command, and from an outcome to the envelope.

Modules are imported one by one (this file imports nothing): the get and delete functions
never load the request models, and with them pydantic.
"""
