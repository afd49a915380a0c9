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
    vc_survey_submission_ui,
    vc_unit,
    vc_unit_level,
)
from . import (
    ir_attachment,
    mail_activity,
    vc_archive_document,
    vc_document_register,
    vc_document_renderer,
    vc_document_template,
    vc_survey_documents,
    vc_survey_round_dashboard,
)
from . import vc_survey_job, vc_survey_round_jobs
from . import vc_survey_offline, vc_survey_offline_reply
