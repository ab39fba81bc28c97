"""What an instance is and what the operations do: plain data and plain functions.

No HTTP, no AWS, no Powertools: the other packages (http, aws, changes) import this one,
never the other way round (tests/unit/test_architecture.py).
"""
