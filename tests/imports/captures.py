"""The captured topology files and nvidia-smi outputs, and how to read a printed summary."""

from tests.paths import FIXTURES

TOPOLOGIES = FIXTURES / "topology"
NVIDIA_SMI = FIXTURES / "nvidia-smi"
# The captured H100 node in each of the three formats.
H100_CAPTURES = {
    "csv": NVIDIA_SMI / "h100-query.csv",
    "list": NVIDIA_SMI / "h100-L.txt",
    "table": NVIDIA_SMI / "h100-summary.txt",
}


def table_rows(output: str) -> dict[str, list[str]]:
    """The rows of a printed fleet summary, keyed by their first cell."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│") if cell.strip()]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows
