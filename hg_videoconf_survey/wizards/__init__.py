from . import vc_survey_reason_wizard
