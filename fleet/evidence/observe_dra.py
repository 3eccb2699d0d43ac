"""DRA figures in a cluster snapshot: the GPU driver's ResourceSlices, the demo's claims."""

from fleet.demo.outcome import DEMO_WORKLOAD_LABEL
from fleet.evidence.document import DemoClaim, DeviceSlice
from fleet.evidence.objects import Object, labels_of, meta, name_of, namespace_of, spec_of
from fleet.render import dra

MIB = 1024 * 1024


def _product(device: Object) -> str:
    attribute = (device.get("attributes") or {}).get(dra.PRODUCT_ATTRIBUTE) or {}
    return str(attribute.get("string", "<none>"))


def _memory_mib(device: Object) -> int | None:
    capacity = (device.get("capacity") or {}).get(dra.MEMORY_CAPACITY) or {}
    value = capacity.get("value")
    return quantity_mib(str(value)) if value is not None else None


_BINARY_SUFFIXES = {"": 1, "Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB, "Ti": 1024 * 1024 * MIB}


def quantity_mib(quantity: str) -> int | None:
    """A binary or plain byte quantity (`80Gi`, `46068Mi`, `85899345920`) in MiB.

    None for anything else, or for a quantity that is not a whole number of MiB:
    the plugin writes memory as whole MiB, so such a value is not its.
    """
    digits = quantity.rstrip("KMGTi")
    suffix = quantity[len(digits) :]
    if not digits.isdigit() or suffix not in _BINARY_SUFFIXES:
        return None
    size = int(digits) * _BINARY_SUFFIXES[suffix]
    return size // MIB if size % MIB == 0 else None


def device_slices(slices: list[Object]) -> list[DeviceSlice]:
    """The ResourceSlices of the GPU driver (other drivers' slices are not the fleet's)."""
    found = []
    for item in slices:
        spec = spec_of(item)
        if spec.get("driver") != dra.DRIVER:
            continue
        devices = spec.get("devices") or []
        found.append(
            DeviceSlice(
                name=name_of(item),
                node=spec.get("nodeName"),
                pool=str((spec.get("pool") or {}).get("name", "")),
                devices=len(devices),
                products=sorted({_product(device) for device in devices}),
                memory_mib=[_memory_mib(device) for device in devices],
            )
        )
    return found


def _device_products(slices: list[Object]) -> dict[tuple[str, str], str]:
    """(pool, device) -> product, for every device of the GPU driver."""
    return {
        (str((spec_of(item).get("pool") or {}).get("name", "")), str(device.get("name", ""))): (
            _product(device)
        )
        for item in slices
        if spec_of(item).get("driver") == dra.DRIVER
        for device in spec_of(item).get("devices") or []
    }


def demo_claims(claims: list[Object], slices: list[Object], namespace: str) -> list[DemoClaim]:
    """The demo namespace's claims (made from its templates, so labelled with their workload)."""
    products = _device_products(slices)
    found = []
    for claim in claims:
        workload = labels_of(claim).get(DEMO_WORKLOAD_LABEL)
        gone = meta(claim).get("deletionTimestamp")
        if namespace_of(claim) != namespace or workload is None or gone:
            continue
        allocation = (claim.get("status") or {}).get("allocation")
        results = ((allocation or {}).get("devices") or {}).get("results") or []
        found.append(
            DemoClaim(
                namespace=namespace,
                name=name_of(claim),
                workload=workload,
                allocated=allocation is not None,
                pools=sorted({str(result.get("pool")) for result in results}),
                products=sorted(
                    {
                        products.get((str(result.get("pool")), str(result.get("device"))), "<none>")
                        for result in results
                    }
                ),
            )
        )
    return found
