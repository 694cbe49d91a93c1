"""What the coordinator sends a cluster: the inputs `rollouts apply` and `rollouts abort` send.

Commands go to FLEET_CMDS on the hub under `fleet.cmd.<cluster>.<ns>.<name>`, each with its
input id as `Nats-Msg-Id`; the cluster's ROLLOUT_INPUTS sources them when the link is up. Ids
are derived from the fleet's events, so resending after a crash is the same input again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext

from adapters.fleet.topology import FLEET_CMDS, command_subject
from events import fleet as ev
from events.base import Event, Input
from events.input_codec import encode_input
from events.inputs import Abort, ApplySpec
from rollouts.fleet.state import FleetState
from rollouts.fleet.validate import cluster_manifest, rollback_manifest

log = structlog.get_logger("rollouts.fleet.commands")


def abort_input_id(abort_id: str, cluster: str) -> str:
    return f"{abort_id}:{cluster}"


class CommandSender:
    def __init__(self, js: JetStreamContext, actor: str = "fleet-coordinator") -> None:
        self._js = js
        self._actor = actor

    async def send(self, cluster: str, namespace: str, name: str, item: Input) -> None:
        _, headers, data = encode_input(namespace, name, item)
        subject = command_subject(cluster, namespace, name)
        delay = 0.05
        while True:
            try:
                await self._js.publish(subject, data, headers=headers, stream=FLEET_CMDS)
                return
            except (TimeoutError, NatsError) as error:
                log.warning("fleet.command_retry", subject=subject, error=repr(error))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def carry_out(self, state: FleetState, events: Sequence[Event]) -> None:
        """Send the inputs the intents among `events` ask for, every cluster at once."""
        fleet = state.fleet
        assert fleet is not None
        ns, name = fleet.spec.rollout.namespace, fleet.spec.rollout.name
        sends = []
        for event in events:
            if isinstance(event, ev.FleetClusterUpdateRequested | ev.FleetClusterRollbackRequested):
                item: Input = ApplySpec(
                    input_id=event.input_id, manifest=event.manifest, actor=self._actor
                )
                sends.append(self.send(event.cluster, ns, name, item))
            elif isinstance(event, ev.FleetAbortRequested):
                for cluster in event.clusters:
                    item = Abort(
                        input_id=abort_input_id(event.input_id, cluster), actor=self._actor
                    )
                    sends.append(self.send(cluster, ns, name, item))
        await asyncio.gather(*sends)

    def _settling_input(self, state: FleetState, cluster: str) -> Input:
        """The abort, or for a cluster sent back, the stable revision's manifest again."""
        assert state.abort is not None
        stable = state.stable
        spec = stable.cluster(cluster) if stable else None
        if cluster in state.rollbacks and stable is not None and spec is not None:
            input_id = f"fleet:{state.name}:{state.revision}:{cluster}:rollback"
            manifest = rollback_manifest(stable, spec)
            return ApplySpec(input_id=input_id, manifest=manifest, actor=self._actor)
        return Abort(input_id=abort_input_id(state.abort.input_id, cluster), actor=self._actor)

    async def resend_outstanding(self, state: FleetState) -> int:
        """After a restart: the updates not yet seen taken, the aborts not yet acknowledged.
        Same input ids, so a command that did get through has no second effect."""
        fleet = state.fleet
        if fleet is None:
            return 0
        ns, name = fleet.spec.rollout.namespace, fleet.spec.rollout.name
        sends = []
        for cluster, input_id in state.updates.items():
            view, spec = state.clusters.get(cluster), fleet.cluster(cluster)
            taken = view is not None and view.pod_hash == state.template_hash
            if spec is None or taken or not state.in_progress:
                continue
            item: Input = ApplySpec(
                input_id=input_id, manifest=cluster_manifest(fleet, spec), actor=self._actor
            )
            sends.append(self.send(cluster, ns, name, item))
        if state.abort is not None:
            for cluster in state.abort_pending:
                item = self._settling_input(state, cluster)
                sends.append(self.send(cluster, ns, name, item))
        await asyncio.gather(*sends)
        return len(sends)
