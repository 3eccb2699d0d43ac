"""The fake GPU fleet as pure Python: no Pulumi is imported anywhere below this package.

One subpackage per concern, each importing only those listed after it:

- `commands` (with `cli`): the `python -m fleet` subcommands, thin, and the rich tables;
- `evidence`: reading a live cluster and the validation report;
- `imports`: topology files and nvidia-smi captures turned into pools and stack files;
- `render`: the Kubernetes objects and Helm values derived from a spec;
- `demo`: the scheduling demo's workloads and expected outcome;
- `stack`: the fleet spec, its pins and catalog, and reading stack files;
- `files`: the one bounded reader and the one atomic writer.

docs/architecture.md draws the same map.
"""
