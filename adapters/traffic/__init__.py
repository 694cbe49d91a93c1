"""Traffic routers on a Kubernetes cluster: Istio, NGINX Ingress, SMI, Gateway API, ALB, Traefik.

`KubernetesTrafficRouter(api_client)` implements `rollouts.ports.TrafficRouter` for whatever
the rollout's `trafficRouting` block configures (several routers at once, or none: the
replica-count fallback), including the port's `read_weight(request)`: the canary weight it
holds, which the traffic worker reports when it corrects drift. Failures are `PortError`s
(`KubernetesError` for API answers) naming the object and what failed.
"""

from __future__ import annotations

from adapters.traffic.alb import AlbRouter
from adapters.traffic.gateway import HTTP_ROUTE, GatewayApiRouter
from adapters.traffic.istio import IstioRouter
from adapters.traffic.nginx import NginxRouter, canary_ingress_name
from adapters.traffic.router import KubernetesTrafficRouter
from adapters.traffic.smi import SmiRouter
from adapters.traffic.traefik import TraefikRouter

__all__ = [
    "HTTP_ROUTE",
    "AlbRouter",
    "GatewayApiRouter",
    "IstioRouter",
    "KubernetesTrafficRouter",
    "NginxRouter",
    "SmiRouter",
    "TraefikRouter",
    "canary_ingress_name",
]
