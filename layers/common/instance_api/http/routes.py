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

# A host agent's routes (docs/contract.md, "Host agents"): its host's view, and its reports.
HOST_VIEW_PATH = "/api/v1/hosts/{hostID}/instances"
HOST_STATUS_PATH = "/api/v1/hosts/{hostID}/status"
HOST_RESOURCES = (HOST_VIEW_PATH, HOST_STATUS_PATH)

# The methods the API routes on each of its resources (a 405's Allow; template.yaml routes the same).
ROUTED_METHODS = {
    INSTANCE_PATH: "DELETE, GET, POST, PUT",
    NAMESPACED_INSTANCE_PATH: "DELETE, GET, POST, PUT",
    HOST_VIEW_PATH: "GET",
    HOST_STATUS_PATH: "PUT",
}
