"""Names the telemetry shares: the exporter's metrics, the scrape job, the recorded series.

The operator's KWOK exporter (`status-exporter-kwok`) exposes one series per GPU of
each metric, labelled `gpu`, `UUID`, `device`, `modelName`, `Hostname` (the KWOK
node's name) and `namespace`, `pod`, `container` (empty on a free GPU). It never
drops a label set it once exposed: a GPU that was free when the exporter first saw it
keeps its `pod=""` series, frozen, after a pod takes it. `LIVE_UTIL` is therefore
the one series per GPU: the pod's where the GPU has one, else the free one.
"""

UTIL = "DCGM_FI_DEV_GPU_UTIL"
FB_USED = "DCGM_FI_DEV_FB_USED"
# Derived by the fleet's recording rules (`fleet.telemetry.gpu_model`).
TEMPERATURE = "DCGM_FI_DEV_GPU_TEMP"
POWER = "DCGM_FI_DEV_POWER_USAGE"
SM_CLOCK = "DCGM_FI_DEV_SM_CLOCK"
TENSOR_ACTIVE = "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"
XID_ERRORS = "DCGM_FI_DEV_XID_ERRORS"

SCRAPE_JOB = "gpu-fleet-dcgm-exporter"
EXPORTER_PORT = 9400
# The exporter Service of the operator's chart (0.2.0).
EXPORTER_SERVICE = "nvidia-dcgm-exporter-kwok"
EXPORTER_APP_LABEL = {"app": EXPORTER_SERVICE}
EXPORTER_PORT_NAME = "gpu-metrics"

LIVE_UTIL = "gpu_fleet:gpu_util:live"
POOL_GPUS = "gpu_fleet:pool_gpus:count"
POOL_ALLOCATED = "gpu_fleet:pool_gpus_allocated:count"
POOL_ALLOCATED_RATIO = "gpu_fleet:pool_allocated:ratio"
POOL_UTILIZATION = "gpu_fleet:pool_utilization:avg"

ALERT_IDLE = "GpuAllocatedIdle"
ALERT_POOL_FULL = "GpuPoolNearlyFull"
ALERT_PENDING = "GpuPodsPendingOnCapacity"
ALERT_EXPORTER_DOWN = "GpuExporterDown"
ALERTS = (ALERT_IDLE, ALERT_POOL_FULL, ALERT_PENDING, ALERT_EXPORTER_DOWN)
