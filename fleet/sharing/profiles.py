"""The MIG profiles of each product the catalog knows, from NVIDIA's MIG user guide.

Every MIG-capable product here has the same geometry: 7 compute slices and 8 memory
slices per GPU, and six profile shapes. A profile `<c>g.<m>gb` takes `c` compute slices
and a fraction of the memory (the guide's "Fraction of Memory", in eighths): 1g with an
eighth or a quarter, 2g a quarter, 3g and 4g half, 7g all of it. Each shape may start
only at certain memory slices (`nvidia-smi mig -lgipp` lists them), so at most 7, 4, 3,
2, 1 and 1 instances of it alone fit one GPU (the guide's "Number of Instances
Available"). The names follow each product's memory; the shapes are the same.
Media-extension profiles (`+me`) are left out.
"""

from dataclasses import dataclass

COMPUTE_SLICES = 7
MEMORY_SLICES = 8


@dataclass(frozen=True)
class Shape:
    compute_slices: int
    memory_slices: int
    # How many instances of this shape alone fit one GPU (its placements).
    max_per_gpu: int


# The six shapes, in the order the products below name their profiles.
SHAPES = (
    Shape(1, 1, 7),
    Shape(1, 2, 4),
    Shape(2, 2, 3),
    Shape(3, 4, 2),
    Shape(4, 4, 1),
    Shape(7, 8, 1),
)


@dataclass(frozen=True)
class MigProfile:
    name: str
    shape: Shape

    @property
    def compute_slices(self) -> int:
        return self.shape.compute_slices

    @property
    def memory_slices(self) -> int:
        return self.shape.memory_slices

    @property
    def max_per_gpu(self) -> int:
        return self.shape.max_per_gpu

    def memory_mib(self, gpu_memory_mib: int) -> int:
        """The profile's memory: its fraction of the GPU's (eighths), rounded down."""
        return gpu_memory_mib * self.memory_slices // MEMORY_SLICES


# Per product (the GFD label the catalog uses), its profile names in the order of SHAPES.
_NAMES = {
    "NVIDIA-A100-SXM4-40GB": ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "NVIDIA-A100-SXM4-80GB": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "NVIDIA-H100-80GB-HBM3": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "NVIDIA-H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "NVIDIA-B200": ("1g.23gb", "1g.45gb", "2g.45gb", "3g.90gb", "4g.90gb", "7g.180gb"),
    "NVIDIA-GB200": ("1g.23gb", "1g.47gb", "2g.47gb", "3g.93gb", "4g.93gb", "7g.186gb"),
}

MIG_PROFILES: dict[str, dict[str, MigProfile]] = {
    product: {name: MigProfile(name, shape) for name, shape in zip(names, SHAPES, strict=True)}
    for product, names in _NAMES.items()
}


def mig_products() -> list[str]:
    return sorted(MIG_PROFILES)


def profiles_of(product: str) -> dict[str, MigProfile] | None:
    """The product's MIG profiles by name; None for a product without MIG."""
    return MIG_PROFILES.get(product)
