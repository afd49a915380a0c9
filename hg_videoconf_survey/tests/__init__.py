from . import test_registry, test_survey_workflow
from . import test_ui
from . import test_archive, test_documents
from . import test_i18n
from . import test_security

from . import test_workflow_ui
from . import test_documents_ui

from . import test_scale, test_jobs

from . import test_form_versions
from . import test_offline
