"""End-to-end tier: a real control plane (kwokctl, binary runtime) built from Go modules.

Nothing here is imported by the program itself; `make e2e` drives it.
"""
