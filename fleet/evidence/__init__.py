"""Evidence of a live fleet and the validation checks built from it.

`connect` opens the cluster a stack names, `read` lists it with a fixed number
of GET requests, `objects` reads the plain API objects safely, `observe` and
`observe_dra` turn them into figures, `document` is the `evidence.json` schema
that both sides share, `files` writes the human-readable evidence and `checks`
compares expected with observed (`fleet.report` renders the report). It may
import `fleet.render` (the labels it reads back), `fleet.demo`, `fleet.stack`
and `fleet.files`. See docs/evidence.md.
"""
