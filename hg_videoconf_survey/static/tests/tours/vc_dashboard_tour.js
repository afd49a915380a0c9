import { registry } from "@web/core/registry";

// The leader opens the round's dashboard, reads the figures and clicks one:
// the forms behind it open.
registry.category("web_tour.tours").add("vc_dashboard_tour", {
    steps: () => [
        {
            content: "the round's dashboard with its deadline countdown",
            trigger: ".o_vc_dashboard h4:contains('30')",
        },
        {
            content: "one form waits for its head",
            trigger: ".o_vc_dash_submitted .fs-2:contains('1')",
        },
        {
            content: "one form is signed; its whole system stable (part I)",
            trigger: ".o_vc_dash_pd_stable .fs-3:contains('1')",
        },
        {
            content: "open the forms waiting for their head",
            trigger: ".o_vc_dash_submitted",
            run: "click",
        },
        {
            content: "the list shows that unit's form only",
            trigger: ".o_list_view .o_data_row:contains('UBND huyện Bêta')",
        },
        {
            content: "and no other",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('UBND huyện Alpha')))",
        },
    ],
});
