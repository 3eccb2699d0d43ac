"""The Pulumi program: the stack's fleet spec in, the fleet and its figures out."""

import pulumi

from components.gpu_fleet import GpuFleet
from components.stack_config import load_fleet_spec
from fleet.stack.figures import pinned_versions, summary_data

spec = load_fleet_spec()
fleet = GpuFleet("gpu-fleet", spec)

if fleet.kubeconfig is not None:
    pulumi.export("kubeconfig", fleet.kubeconfig)
for key, value in summary_data(spec).items():
    pulumi.export(key, value)
pulumi.export("versions", pinned_versions(spec))
# Reported beside any scheduling figure taken on this fleet.
pulumi.export("schedulerClient", spec.cluster.scheduler_client)
pulumi.export("kwokControllers", spec.kwok_controllers)
