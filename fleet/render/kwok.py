"""The KWOK Stage that finishes a Job's pod after the delay its annotation names.

KWOK's release `stage-fast.yaml` completes every Running pod of a Job at once. A
replay needs each pod to run for its duration: this stage matches only the Job pods
that carry `DELAY_ANNOTATION` (a Go duration such as `90s`, counted from when the
pod is Running and Ready) and weighs 1, so that KWOK prefers it over the release's
`pod-complete` (weight 0) for those pods; other Job pods still complete at once.
KWOK v0.7.0's own `pod/general/pod-complete.yaml` reads the same annotation, with a
jitter of up to 5 s that a replay must not have.
"""

from typing import Any

JOB_COMPLETE_STAGE = "gpu-fleet-job-complete"
DELAY_ANNOTATION = "pod-complete.stage.kwok.x-k8s.io/delay"
STAGE_API_VERSION = "kwok.x-k8s.io/v1alpha1"

_SUCCEEDED = """\
{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
"""


def job_complete_stage() -> dict[str, Any]:
    return {
        "apiVersion": STAGE_API_VERSION,
        "kind": "Stage",
        "metadata": {"name": JOB_COMPLETE_STAGE},
        "spec": {
            "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
            "selector": {
                "matchExpressions": [
                    {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
                    {"key": ".status.phase", "operator": "In", "values": ["Running"]},
                    {
                        "key": '.status.conditions.[] | select( .type == "Ready" ) | .status',
                        "operator": "In",
                        "values": ["True"],
                    },
                    {
                        "key": ".metadata.ownerReferences.[].kind",
                        "operator": "In",
                        "values": ["Job"],
                    },
                    {
                        "key": f'.metadata.annotations["{DELAY_ANNOTATION}"]',
                        "operator": "Exists",
                    },
                ]
            },
            "weight": 1,
            "delay": {
                "durationMilliseconds": 0,
                "durationFrom": {"expressionFrom": f'.metadata.annotations["{DELAY_ANNOTATION}"]'},
            },
            "next": {"statusTemplate": _SUCCEEDED},
        },
    }
