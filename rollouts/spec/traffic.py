"""Canary traffic routing: Istio, NGINX, SMI, ALB, Traefik and the Gateway API plugin (argo §6)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator
from pydantic_core import PydanticCustomError

from rollouts.spec.base import SpecModel, Unsupported, unsupported_field

GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"


class TLSRoute(SpecModel):
    port: int | None = None
    sni_hosts: tuple[str, ...] = ()


class TCPRoute(SpecModel):
    port: int | None = None


class IstioVirtualService(SpecModel):
    # "name" or "name.namespace".
    name: str
    routes: tuple[str, ...] = ()
    tls_routes: tuple[TLSRoute, ...] = ()
    tcp_routes: tuple[TCPRoute, ...] = ()


class IstioDestinationRule(SpecModel):
    name: str
    canary_subset_name: str
    stable_subset_name: str
    additional_subset_names: tuple[str, ...] = ()


class IstioTrafficRouting(SpecModel):
    virtual_service: IstioVirtualService | None = None
    virtual_services: tuple[IstioVirtualService, ...] = ()
    destination_rule: IstioDestinationRule | None = None

    @property
    def all_virtual_services(self) -> tuple[IstioVirtualService, ...]:
        single = (self.virtual_service,) if self.virtual_service is not None else ()
        return single + self.virtual_services


class NginxTrafficRouting(SpecModel):
    annotation_prefix: str = "nginx.ingress.kubernetes.io"
    stable_ingress: str = ""
    stable_ingresses: tuple[str, ...] = ()
    additional_ingress_annotations: dict[str, str] = {}
    canary_ingress_annotations: dict[str, str] = {}

    @property
    def all_stable_ingresses(self) -> tuple[str, ...]:
        single = (self.stable_ingress,) if self.stable_ingress else ()
        return single + self.stable_ingresses


class SMITrafficRouting(SpecModel):
    root_service: str = ""
    # Defaults to the rollout's name when empty.
    traffic_split_name: str = ""
    # The TrafficSplit API version (Argo sets it controller-wide; here it may be per rollout).
    api_version: str = "v1alpha1"


class StickinessConfig(SpecModel):
    """Duration-based stickiness of the ALB target groups (AWS allows 1 to 604800 seconds)."""

    enabled: bool
    duration_seconds: int


class ALBTrafficRouting(SpecModel):
    """The AWS Load Balancer Controller: an `actions.<service>` annotation on the Ingress."""

    ingress: str = ""
    ingresses: tuple[str, ...] = ()
    # Argo's `servicePort` has no omitempty and the CRD requires it.
    service_port: int
    root_service: str = ""
    # Empty means `alb.ingress.kubernetes.io`, as in Argo.
    annotation_prefix: str = ""
    stickiness_config: StickinessConfig | None = None

    @property
    def all_ingresses(self) -> tuple[str, ...]:
        """Argo's choice: `ingresses` when set, else the single `ingress`."""
        return self.ingresses if self.ingresses else ((self.ingress,) if self.ingress else ())


class TraefikTrafficRouting(SpecModel):
    """A weighted TraefikService whose `spec.weighted.services` name the canary and stable."""

    weighted_traefik_service_name: str


class GatewayAPIRoute(SpecModel):
    name: str
    use_header_routes: bool = False


class GatewayAPIConfig(SpecModel):
    """Configuration of the `argoproj-labs/gatewayAPI` traffic router plugin (HTTPRoutes only)."""

    http_route: str = ""
    http_routes: tuple[GatewayAPIRoute, ...] = ()
    namespace: str = ""
    config_map: str = ""
    grpc_route: Unsupported = unsupported_field()
    grpc_routes: Unsupported = unsupported_field()
    tcp_route: Unsupported = unsupported_field()
    tcp_routes: Unsupported = unsupported_field()
    tls_route: Unsupported = unsupported_field()
    tls_routes: Unsupported = unsupported_field()
    http_route_selector: Unsupported = unsupported_field()

    @property
    def all_http_routes(self) -> tuple[GatewayAPIRoute, ...]:
        single = (GatewayAPIRoute(name=self.http_route),) if self.http_route else ()
        return single + self.http_routes


class ManagedRoute(SpecModel):
    name: str


class TrafficRouting(SpecModel):
    istio: IstioTrafficRouting | None = None
    nginx: NginxTrafficRouting | None = None
    smi: SMITrafficRouting | None = None
    alb: ALBTrafficRouting | None = None
    traefik: TraefikTrafficRouting | None = None
    # Plugin name -> free-form config; only the Gateway API plugin is implemented.
    plugins: dict[str, Any] | None = None
    managed_routes: tuple[ManagedRoute, ...] = ()
    max_traffic_weight: int | None = None
    ambassador: Unsupported = unsupported_field()
    app_mesh: Unsupported = unsupported_field()
    apisix: Unsupported = unsupported_field()

    @field_validator("plugins")
    @classmethod
    def _only_known_plugins(cls, plugins: dict[str, Any] | None) -> dict[str, Any] | None:
        for name in plugins or {}:
            if name != GATEWAY_API_PLUGIN:
                raise PydanticCustomError(
                    "not_supported",
                    "traffic router plugin '{name}' is not supported yet "
                    "(only {known} is implemented)",
                    {"name": name, "known": GATEWAY_API_PLUGIN},
                )
        return plugins

    @property
    def gateway_api(self) -> GatewayAPIConfig | None:
        """The parsed Gateway API plugin config; validation has already checked it parses."""
        if not self.plugins or GATEWAY_API_PLUGIN not in self.plugins:
            return None
        return GatewayAPIConfig.model_validate(self.plugins[GATEWAY_API_PLUGIN] or {})

    @property
    def managed_route_names(self) -> tuple[str, ...]:
        return tuple(route.name for route in self.managed_routes)

    @property
    def effective_max_weight(self) -> int:
        return self.max_traffic_weight if self.max_traffic_weight is not None else 100
