"""Evidence of a live fleet and the validation report built from it.

`read` lists the cluster with a fixed number of GET requests, `observe` turns
the listed objects into figures, `document` is the `evidence.json` schema that
both sides share, `files` writes the human-readable evidence, `checks` compares
expected with observed and `markdown` renders the report.
"""
