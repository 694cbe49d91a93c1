"""`strategy.canary.trafficRouting`: every router Argo accepts, supported here or not, so that a
manifest written for Argo is accepted by the API server and judged by the controller."""

from __future__ import annotations

from .dsl import Schema, array, boolean, free_object, int32, int64, obj, string, string_map


def _named(*extra_required: str, **fields: Schema) -> Schema:
    return obj({"name": string(), **fields}, required=("name", *extra_required))


def _istio_virtual_service() -> Schema:
    return _named(
        routes=array(string()),
        tlsRoutes=array(obj({"port": int64(), "sniHosts": array(string())})),
        tcpRoutes=array(obj({"port": int64()})),
    )


def _istio() -> Schema:
    destination_rule = obj(
        {
            "name": string(),
            "canarySubsetName": string(),
            "stableSubsetName": string(),
            "additionalSubsetNames": array(string()),
        },
        required=("name", "canarySubsetName", "stableSubsetName"),
    )
    return obj(
        {
            "virtualService": _istio_virtual_service(),
            "virtualServices": array(_istio_virtual_service()),
            "destinationRule": destination_rule,
        }
    )


def _nginx() -> Schema:
    return obj(
        {
            "annotationPrefix": string(),
            "stableIngress": string(),
            "stableIngresses": array(string()),
            "additionalIngressAnnotations": string_map(),
            "canaryIngressAnnotations": string_map(),
        }
    )


def _alb() -> Schema:
    stickiness = obj(
        {"enabled": boolean(), "durationSeconds": int64()},
        required=("enabled", "durationSeconds"),
    )
    return obj(
        {
            "ingress": string(),
            "ingresses": array(string()),
            "servicePort": int32(),
            "annotationPrefix": string(),
            "rootService": string(),
            "stickinessConfig": stickiness,
        },
        required=("servicePort",),
    )


def _app_mesh() -> Schema:
    node_ref = _named()
    return obj(
        {
            "virtualService": _named(routes=array(string())),
            "virtualNodeGroup": obj(
                {"canaryVirtualNodeRef": node_ref, "stableVirtualNodeRef": node_ref},
                required=("canaryVirtualNodeRef", "stableVirtualNodeRef"),
            ),
        }
    )


def traffic_routing() -> Schema:
    return obj(
        {
            "istio": _istio(),
            "nginx": _nginx(),
            "smi": obj(
                {
                    "rootService": string(),
                    "trafficSplitName": string(),
                    "apiVersion": string(
                        "TrafficSplit API version (v1alpha1, v1alpha2, v1alpha3); an extension: "
                        "Argo sets it controller-wide."
                    ),
                }
            ),
            "plugins": free_object("Traffic router plugins, keyed by plugin name."),
            "managedRoutes": array(_named()),
            "maxTrafficWeight": int32(),
            "alb": _alb(),
            "ambassador": obj({"mappings": array(string())}, required=("mappings",)),
            "appMesh": _app_mesh(),
            "traefik": obj(
                {"weightedTraefikServiceName": string()},
                required=("weightedTraefikServiceName",),
            ),
            "apisix": obj({"route": _named(rules=array(string()))}),
        }
    )
