from . import vc_survey_reason_wizard
from . import vc_form_import_wizard
from . import vc_survey_import_wizard
