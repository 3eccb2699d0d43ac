"""Files in and out: the one bounded reader and the one atomic writer.

`files_in` reads every file the program reads (stack files, topology files,
nvidia-smi captures, `evidence.json`, kubeconfigs, `Pulumi.yaml`) within fixed
limits and reports a bad one as a `FileProblem` naming the file and the line;
`files_out` checks an output path before any work and replaces a file in one
step. This package imports nothing else from `fleet`: every other package may
import it.
"""
