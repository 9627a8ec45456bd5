"""Visits: drafts autosaved from the phone, idempotent submit, assignments by hand, photos.

- ``payload``: the JSON draft the phone sends, checked before anything is stored;
- ``drafting``: autosave, submit and discard of the inspector's own visits;
- ``queries``: the inspector's lists and the leaders' review queue;
- ``assignments``: a leader sends an inspector to a window;
- ``photos``: the photo pipeline and the photos of a visit;
- ``revisions``: the submissions a leader returned, and what the next one changed.

Callers use the package (``visits.submit(...)``), not its modules.
"""

from app.services.visits.archive import ArchiveFilter, archive_filtered, archive_query, finding_counts
from app.services.visits.assignments import (
    AssignmentData,
    assign,
    cancel_assignment,
    inspector_choices,
    recent_assignments,
    window_choices,
)
from app.services.visits.drafting import (
    SubmitInvalid,
    VisitConflict,
    VisitNotFound,
    classify_materials,
    discard,
    draft_state,
    draft_states,
    find,
    mark_problems,
    own_assignment,
    position_marks,
    save_draft,
    submit,
    template_for,
)
from app.services.visits.imaging import (
    FORMATS,
    LONG_EDGE,
    MAX_PIXELS,
    QUALITY,
    THUMB_EDGE,
    PhotoRejected,
    Processed,
    process,
)
from app.services.visits.offline import SHELL_UUID, OfflineKit, offline_kit
from app.services.visits.payload import (
    MAX_EXTRA_MATERIALS,
    MAX_ID,
    YEARS,
    VisitPayload,
    parse_payload,
)
from app.services.visits.photos import (
    MAX_PHOTOS_PER_VISIT,
    PhotoPurge,
    PhotoUpload,
    StoredPhoto,
    parse_upload,
    purge_photos,
    remove_photo,
    store_photo,
    visible_photo,
    visit_photos,
)
from app.services.visits.queries import (
    assignment_cards,
    drafts,
    for_review,
    for_review_query,
    open_assignments,
    record,
    submitted,
)
from app.services.visits.revisions import Change, History, compare, history, submission
from app.services.visits.verdicts import checks_for as revisit_checks
from app.services.visits.verdicts import of_visit as verdicts_of

__all__ = [
    # The phone's draft
    "MAX_EXTRA_MATERIALS", "MAX_ID", "YEARS", "VisitPayload", "parse_payload",
    # Autosave, submit, discard
    "SubmitInvalid", "VisitConflict", "VisitNotFound", "classify_materials", "discard",
    "draft_state", "draft_states", "find", "mark_problems", "position_marks", "save_draft", "submit",
    # The checklist a new visit uses
    "own_assignment", "template_for",
    # A re-visit's points and verdicts
    "revisit_checks", "verdicts_of",
    # The leaders' archive
    "ArchiveFilter", "archive_filtered", "archive_query", "finding_counts",
    # Returned visits' kept submissions
    "Change", "History", "compare", "history", "submission",
    # Lists
    "assignment_cards", "drafts", "for_review", "for_review_query", "open_assignments", "record", "submitted",
    # Assignments by hand
    "AssignmentData", "assign", "cancel_assignment", "inspector_choices", "recent_assignments",
    "window_choices",
    # What the phone keeps for offline work
    "SHELL_UUID", "OfflineKit", "offline_kit",
    # Photos
    "FORMATS", "LONG_EDGE", "MAX_PHOTOS_PER_VISIT", "MAX_PIXELS", "QUALITY", "THUMB_EDGE",
    "PhotoPurge", "PhotoRejected", "PhotoUpload", "Processed", "parse_upload", "process", "purge_photos",
    "remove_photo", "StoredPhoto", "store_photo", "visible_photo", "visit_photos",
]
