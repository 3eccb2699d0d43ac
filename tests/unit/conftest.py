import pulumi
import pytest

from components.gpu_fleet import GpuFleet
from fleet.stack.spec import FleetSpec
from lab.mocks import Deploy, Deployment, install_mocks


@pytest.fixture
def recorded() -> Deployment:
    """Mocks installed for one test; the deployment they record."""
    return install_mocks()


@pytest.fixture
def deploy() -> Deploy:
    """Runs GpuFleet for a spec under fresh mocks; every registration is recorded on return."""

    def run(spec: FleetSpec) -> Deployment:
        deployment = install_mocks()

        @pulumi.runtime.test
        def program() -> pulumi.Output[str]:
            return GpuFleet("gpu-fleet", spec).urn

        program()
        return deployment

    return run
