"""Kubernetes objects as evidence keeps them (plain API data), and safe access to their parts.

Any part of an object the cluster returns may be missing or null; these read
it as empty instead, so that the rest of the evidence code never checks.
"""

from typing import Any

Object = dict[str, Any]


def meta(obj: Object) -> Object:
    found: Object = obj.get("metadata") or {}
    return found


def spec_of(obj: Object) -> Object:
    found: Object = obj.get("spec") or {}
    return found


def labels_of(obj: Object) -> dict[str, str]:
    found: dict[str, str] = meta(obj).get("labels") or {}
    return found


def name_of(obj: Object) -> str:
    return str(meta(obj).get("name", ""))


def namespace_of(obj: Object) -> str:
    return str(meta(obj).get("namespace", ""))
