"""The fake GPU fleet as pure Python: no Pulumi is imported anywhere below this package.

One subpackage per concern; docs/architecture.md is the map of them and of what each may
import (tests/spec/test_layers.py enforces it).
"""
