from . import (
    vc_document_number_wizard,
    vc_form_import_wizard,
    vc_survey_approve_wizard,
    vc_survey_import_wizard,
    vc_survey_reason_wizard,
)
