/** @odoo-module **/
/* A commune preparer fills a form of a version imported from XLSForm:
 * a wrong value is reported on the field when she leaves it, she fixes it
 * and saves. (Started by tests/test_form_versions.py: TestCommuneTour.) */
import {registry} from "@web/core/registry";

const question = (code) => `.o_vc_answers .o_vc_question[data-code='${code}']`;

registry.category("web_tour.tours").add("vc_survey_commune_fill", {
    steps: () => [
        {
            content: "Open the answers",
            trigger: ".o_form_view .o_notebook a[name='page_answers']",
            run: "click",
        },
        {
            content: "Type a word where a number is asked",
            trigger: `${question("endpoints")} input`,
            run: "edit nhiều",
        },
        {
            content: "Leave the field",
            trigger: `${question("provider")} input`,
            run: "click",
        },
        {
            content: "The error is shown on the field",
            trigger: `${question("endpoints")} .o_vc_error`,
        },
        {
            content: "Fix the value",
            trigger: `${question("endpoints")} input`,
            run: "edit 1",
        },
        {
            content: "Leave the field",
            trigger: `${question("provider")} input`,
            run: "click",
        },
        {
            content: "The error is gone",
            trigger: `${question("endpoints")}:not(:has(.o_vc_error))`,
        },
        {
            content: "Name the provider",
            trigger: `${question("provider")} input`,
            run: "edit Sùng Thị Mai",
        },
        {
            content: "Leave the field",
            trigger: `${question("endpoints")} input`,
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger:
                ".o_form_view:not(:has(.o_form_status_indicator_buttons:not(.invisible)))",
        },
    ],
});
