"""The API's paths, as the functions register them (template.yaml declares the same routes).

The seed's path is the cluster-wide scope; the namespaced one serves each operation within
one namespace, so IAM can grant a namespace and nothing else (docs/contract.md,
"Namespaces are a security boundary").
"""

INSTANCE_PATH = "/api/v1/instance"
# As API Gateway names the resource (event.resource), and as Powertools' router writes it.
NAMESPACED_INSTANCE_PATH = "/api/v1/namespaces/{namespace}/instance"
NAMESPACED_ROUTE = "/api/v1/namespaces/<namespace>/instance"
INSTANCE_RESOURCES = (INSTANCE_PATH, NAMESPACED_INSTANCE_PATH)
