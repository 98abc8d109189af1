/**
 * The portal, visited by an end customer (Jan Peeters, on his phone) and by the partner
 * that pays part of his subscription (his employer Fleet Co NV).
 */
import { registry } from "@web/core/registry";
import { screenshot } from "./icasa_tour_utils";

registry.category("web_tour.tours").add("icasa_portal_end_customer", {
    url: "/my",
    steps: () => [
        {
            content: "his EV subscriptions from My Account",
            trigger: ".o_portal_docs a[href='/my/ev/subscriptions']:contains(EV Subscriptions)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "one subscription, active, monthly",
            trigger: "tbody tr:contains(Active) a[href^='/my/ev/subscriptions/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "its plan",
            trigger: ".o_icasa_portal_subscription dd:contains(Monthly, calendar-aligned)",
        },
        {
            content: "his employer pays a share",
            trigger: ".o_icasa_portal_subscription dd:contains(Fleet Co NV):contains(shared)",
        },
        {
            content: "what is billed: maintenance 30.00 and SIM data 4.50 a month",
            trigger: ".o_icasa_portal_subscription tr:contains(Charger Maintenance Plan):contains(30.00)",
        },
        {
            trigger: ".o_icasa_portal_subscription tr:contains(SIM Data Plan):contains(4.50)",
        },
        {
            content: "his invoice of the month: the SIM data, 4.50 + 15% tax",
            trigger: ".o_icasa_portal_subscription tr:contains(INV/):contains(5.18)",
        },
        screenshot("portal_1_end_customer_subscription"),
    ],
});

registry.category("web_tour.tours").add("icasa_portal_partner", {
    url: "/my",
    steps: () => [
        {
            content: "the end customers Fleet Co NV pays for",
            trigger: ".o_portal_docs a[href='/my/ev/end-customers']:contains(End Customers)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "its two drivers, each with a subscription",
            trigger: ".o_icasa_end_customer:contains(Jan Peeters):contains(Mechelen) tr:contains(Active)",
        },
        {
            trigger: ".o_icasa_end_customer:contains(Sofie Claes):contains(Lier) tr:contains(Active)",
        },
        screenshot("portal_2_partner_end_customers"),
        {
            content: "Jan's subscription",
            trigger: ".o_icasa_end_customer:contains(Jan Peeters) a[href^='/my/ev/subscriptions/']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the partner sees whose it is",
            trigger: ".o_icasa_portal_subscription dd:contains(Jan Peeters)",
        },
        {
            trigger: ".o_icasa_portal_subscription tr:contains(Charger Maintenance Plan):contains(30.00)",
        },
    ],
});
