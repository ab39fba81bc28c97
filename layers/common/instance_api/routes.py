"""The API's paths, as the functions register them (template.yaml declares the same routes)."""

INSTANCE_PATH = "/api/v1/instance"
# One namespace's instances, as API Gateway names the resource (the event's `resource`).
NAMESPACED_INSTANCE_PATH = "/api/v1/namespaces/{namespace}/instance"
INSTANCE_PATHS = (INSTANCE_PATH, NAMESPACED_INSTANCE_PATH)
