"""The API's paths, as the functions register them (template.yaml declares the same routes)."""

INSTANCE_PATH = "/api/v1/instance"
