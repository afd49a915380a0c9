from . import (
    res_users,
    vc_endpoint,
    vc_mcu,
    vc_operator,
    vc_survey_round,
    vc_survey_submission,
    vc_unit,
    vc_unit_level,
)
