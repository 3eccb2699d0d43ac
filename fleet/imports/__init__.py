"""Fleets that come from elsewhere: the lab's topology files and nvidia-smi captures.

`topology` reads a topology JSON file, `nvidia_smi` one real node's nvidia-smi
output and `mirror` turns it into a pool, `pools` validates pools from either
with the stack's own models but reports problems in the source's terms, and
`stack_writer` writes a new stack file or adds a pool to one. It may import
`fleet.stack` and `fleet.files`. See docs/import.md.
"""
