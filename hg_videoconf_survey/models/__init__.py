from . import (
    res_company,
    res_config_settings,
    res_users,
    vc_endpoint,
    vc_mcu,
    vc_operator,
    vc_survey_form,
    vc_survey_round,
    vc_survey_submission,
    vc_unit,
    vc_unit_level,
)
from . import (
    ir_attachment,
    vc_archive_document,
    vc_document_register,
    vc_document_renderer,
    vc_document_template,
    vc_survey_documents,
)
from . import vc_survey_offline, vc_survey_offline_reply
