import { localization } from "@web/core/l10n/localization";
import { registry } from "@web/core/registry";
import { FloatField, floatField } from "@web/views/fields/float/float_field";

/**
 * A milestone share: "30%" for a percentage, "8.3334%" where it needs the digits,
 * the amount for a fixed-amount plan. The record needs its share_type.
 */
export class IcasaShareField extends FloatField {
    get isPercent() {
        return this.props.record.data.share_type !== "fixed";
    }

    get formattedValue() {
        const value = super.formattedValue;
        if (typeof value !== "string" || !this.isPercent) {
            return value;
        }
        const point = localization.decimalPoint;
        let short = value;
        if (short.includes(point)) {
            short = short.replace(/0+$/, "");
            if (short.endsWith(point)) {
                short = short.slice(0, -point.length);
            }
        }
        return this.props.readonly ? `${short}%` : short;
    }
}

export const icasaShareField = {
    ...floatField,
    component: IcasaShareField,
};

registry.category("fields").add("icasa_share", icasaShareField);
