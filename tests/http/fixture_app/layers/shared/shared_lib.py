"""A module the fixture functions import from their layer."""

LAYER_VERSION = 1
