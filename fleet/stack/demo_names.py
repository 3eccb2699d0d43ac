"""The demo's workload names and the utilization each declares unless the stack says.

The names live here, below the spec, so that the spec can check the stack's
`demo.utilization` keys; `fleet.demo.workloads` builds the workloads under them.
Default profiles (percent, as `run.ai/simulated-gpu-utilization` takes them): the
small batch job and the 16-GPU training job keep their GPUs busy, the job on a
missing pool is a batch job too, and the queue's replicas serve inference: bursty,
anywhere from nearly idle to nearly full from one 10-second reading to the next.
"""

SMALL = "cuda-batch-small"
OVERSIZED = "cuda-train-16gpu"
MISSING = "cuda-needs-b200"
QUEUE = "queue-pressure"
DRA_SMALL = "dra-batch-small"
DRA_OVERSIZED = "dra-train-16gpu"
DRA_MISSING = "dra-needs-b200"
DRA_QUEUE = "dra-queue-pressure"

DEVICE_PLUGIN_WORKLOADS = (SMALL, OVERSIZED, MISSING, QUEUE)
DRA_WORKLOADS = (DRA_SMALL, DRA_OVERSIZED, DRA_MISSING, DRA_QUEUE)

BATCH = "60-90"
TRAINING = "85-100"
INFERENCE = "10-90"
DEFAULT_UTILIZATION: dict[str, str] = {
    SMALL: BATCH,
    OVERSIZED: TRAINING,
    MISSING: BATCH,
    QUEUE: INFERENCE,
    DRA_SMALL: BATCH,
    DRA_OVERSIZED: TRAINING,
    DRA_MISSING: BATCH,
    DRA_QUEUE: INFERENCE,
}
