"""The simulated GPU's physics: DCGM fields derived from utilization, per product.

The operator reports utilization (and framebuffer use) only. NVIDIA's DCGM dashboard
also charts temperature, power, SM clock and tensor activity, and counts XID errors.
This model derives each from the GPU's utilization U (0-100), linearly:

    power (W)        = idle_w + (tdp_w - idle_w) * U / 100
    SM clock (MHz)   = idle_mhz + (max_mhz - idle_mhz) * U / 100
    temperature (C)  = 30 + 0.5 * U                       (30 C idle, 80 C flat out)
    tensor activity  = 0.8 * U / 100                      (a ratio, 0 to 0.8)
    XID errors       = 0

The figures per product are the board power limit and maximum SM clock of the real
part (idle power and clock are round figures of the model). A product the table
does not know gets `DEFAULT`. `fleet.telemetry.rules` writes these lines as recording
rules. A model, not a measurement: it keeps every panel alive and moving with load.
"""

from dataclasses import dataclass

IDLE_TEMPERATURE_C = 30.0
TEMPERATURE_PER_PERCENT = 0.5
TENSOR_ACTIVE_AT_FULL = 0.8


@dataclass(frozen=True)
class ProductPhysics:
    tdp_w: float
    idle_w: float
    max_mhz: float
    idle_mhz: float


PHYSICS: dict[str, ProductPhysics] = {
    "NVIDIA-A100-SXM4-80GB": ProductPhysics(tdp_w=400, idle_w=60, max_mhz=1410, idle_mhz=210),
    "NVIDIA-A100-SXM4-40GB": ProductPhysics(tdp_w=400, idle_w=55, max_mhz=1410, idle_mhz=210),
    "NVIDIA-H100-80GB-HBM3": ProductPhysics(tdp_w=700, idle_w=70, max_mhz=1980, idle_mhz=345),
    "NVIDIA-H200": ProductPhysics(tdp_w=700, idle_w=75, max_mhz=1980, idle_mhz=345),
    "NVIDIA-L40S": ProductPhysics(tdp_w=350, idle_w=35, max_mhz=2520, idle_mhz=210),
    "NVIDIA-L4": ProductPhysics(tdp_w=72, idle_w=16, max_mhz=2040, idle_mhz=210),
    "Tesla-T4": ProductPhysics(tdp_w=70, idle_w=10, max_mhz=1590, idle_mhz=300),
}
DEFAULT = ProductPhysics(tdp_w=300, idle_w=50, max_mhz=1500, idle_mhz=210)


def physics(product: str) -> ProductPhysics:
    return PHYSICS.get(product, DEFAULT)
