"""The service catalogue: units, halls, windows, and service items with their guides.

- ``entries``: units, halls and windows, read by everyone and changed by admins;
- ``guides``: service items and their official guides (办事指南), validated and saved;
- ``guide_import``: guides from an .xlsx or .csv file, all rows or none.

Callers use the package (``catalogue.save_guide(...)``), not its modules.
"""

from app.services.catalogue.entries import (
    CODE_RE,
    CatalogueCounts,
    HallData,
    Place,
    UnitData,
    WindowData,
    active_halls,
    active_units,
    counts,
    guide_rows,
    hall_choices,
    hall_options,
    halls_by_distance,
    locked_users,
    map_positions,
    place,
    place_of,
    save_hall,
    save_unit,
    save_window,
    search,
    service_item_choices,
    set_active,
    unit_choices,
    window,
)
from app.services.catalogue.guide_import import (
    COLUMNS,
    FALSE_WORDS,
    ITEM_COLUMNS,
    MAX_CELL_CHARS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_COLUMNS,
    MAX_IMPORT_PARTS,
    MAX_IMPORT_ROWS,
    MAX_IMPORT_UNPACKED,
    REQUIRED_COLUMNS,
    TRUE_WORDS,
    ImportFailed,
    ImportResult,
    RowError,
    import_guides,
    import_rows,
    parse_guides,
    read_table,
)
from app.services.catalogue.guides import (
    GuideData,
    GuideInvalid,
    MaterialData,
    Problem,
    save_guide,
    validate,
)

__all__ = [
    # Units, halls and windows
    "CODE_RE", "CatalogueCounts", "HallData", "Place", "UnitData", "WindowData", "active_halls", "hall_options",
    "active_units", "counts", "guide_rows", "hall_choices", "halls_by_distance", "locked_users", "map_positions",
    "place", "place_of", "save_hall", "save_unit", "save_window", "search", "service_item_choices", "set_active",
    "unit_choices", "window",
    # Service items and their guides
    "GuideData", "GuideInvalid", "MaterialData", "Problem", "save_guide", "validate",
    # Import from .xlsx / .csv
    "COLUMNS", "FALSE_WORDS", "ITEM_COLUMNS", "MAX_CELL_CHARS", "MAX_IMPORT_BYTES",
    "MAX_IMPORT_COLUMNS", "MAX_IMPORT_PARTS", "MAX_IMPORT_ROWS", "MAX_IMPORT_UNPACKED",
    "REQUIRED_COLUMNS", "TRUE_WORDS", "ImportFailed", "ImportResult", "RowError", "import_guides",
    "import_rows", "parse_guides", "read_table",
]
