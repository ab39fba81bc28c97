"""The table's change stream: what a record means, and the consumer that indexes and publishes it."""
