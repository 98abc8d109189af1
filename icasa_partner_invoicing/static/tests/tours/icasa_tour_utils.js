/** Helpers of the EV billing journeys (tours). */

// A one-pixel PNG: the "photo" a technician attaches on site.
const PHOTO_PNG =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/**
 * Ask the test for a screenshot of the page as it is now, and wait until it is taken.
 * tests/test_tours.py saves it as docs/screenshots/<name>.png when ICASA_SCREENSHOTS is set
 * (setup/screenshots.sh) and only acknowledges it otherwise.
 */
export function screenshot(name) {
    return {
        content: `screenshot ${name}`,
        trigger: "body",
        async run() {
            delete document.body.dataset.icasaShot;
            // let the last render and its transitions settle
            await new Promise((resolve) => setTimeout(resolve, 400));
            console.log(`icasa-screenshot:${name}`);
            const deadline = Date.now() + 8000;
            while (document.body.dataset.icasaShot !== name) {
                if (Date.now() > deadline) {
                    throw new Error(`screenshot ${name}: the test did not answer`);
                }
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        },
    };
}

/** Amounts as Odoo prints them (1,740.00, 522.00, $ 30.00, 4,50 EUR): none may show. */
const PRICE = /[$€£]\s?\d|\d\s?[$€£]|\b\d{1,3}(?:[,.\u00a0 ]\d{3})*[.,]\d{2}\b/;

export function assertNoPrice(where) {
    return {
        content: `no price is visible: ${where}`,
        trigger: "body",
        run() {
            const text = document.body.innerText;
            const match = text.match(PRICE);
            if (match) {
                const at = text.indexOf(match[0]);
                throw new Error(
                    `${where}: a price is visible to the technician: "${text.slice(Math.max(0, at - 60), at + 20)}"`
                );
            }
            const monetary = document.querySelector(
                ".o_field_monetary, .o_field_widget[name^=amount], .o_field_widget[name^=price], [name=tax_totals]"
            );
            if (monetary) {
                throw new Error(`${where}: a monetary field is on the page: ${monetary.outerHTML.slice(0, 200)}`);
            }
        },
    };
}

/** Attach a file to an <input type=file>, as a phone's camera would. */
export async function attachPhoto(input, name) {
    const blob = await (await fetch(`data:image/png;base64,${PHOTO_PNG}`)).blob();
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], name, { type: "image/png" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}
