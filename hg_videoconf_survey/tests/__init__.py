from . import test_registry, test_survey_workflow
from . import test_ui
