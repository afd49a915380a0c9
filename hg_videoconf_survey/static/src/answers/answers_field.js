/** @odoo-module **/
/* The answers of a survey form, drawn from the form version's definition
 * (record field form_layout) and stored as one JSON value {code: value}.
 * Checks run on the server (answer_errors / answer_visible are recomputed
 * by the onchange when an answer changes): one evaluator, in Python. */
import {Component} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

const NUMBER_KINDS = ["integer", "decimal", "percent"];
const LIST_KINDS = ["repeat", "operators", "incidents"];

export class VcSurveyAnswersField extends Component {
    static template = "hg_videoconf_survey.VcSurveyAnswersField";
    static props = {...standardFieldProps};

    /** The answers, including the changes sent to the record but not
     * applied yet: record.update() is queued behind the onchange of the
     * previous change, so two quick changes must build on each other. */
    get answers() {
        const raw = this.props.record.data[this.props.name] || {};
        if (this._pending) {
            const rawKey = JSON.stringify(raw);
            if (rawKey === this._pendingKey) {
                this._pending = null;
            } else if (this._sent.includes(rawKey)) {
                return this._pending;
            } else {
                this._pending = null; // reloaded or discarded meanwhile
            }
        }
        return raw;
    }
    get errors() {
        return this.props.record.data.answer_errors || {};
    }
    get visibleCodes() {
        const codes = this.props.record.data.answer_visible;
        return Array.isArray(codes) && codes.length ? new Set(codes) : null;
    }
    /** The sections and questions in printed order, flattened with depth. */
    get items() {
        const layout = this.props.record.data.form_layout || {};
        const visible = this.visibleCodes;
        const items = [];
        const walk = (node, depth) => {
            if (node.type === "section") {
                const start = items.length;
                items.push({key: "s:" + node.code, section: node, depth});
                for (const child of node.children || []) {
                    walk(child, depth + 1);
                }
                const shown = items.slice(start + 1).some((item) => item.question);
                if (!shown) {
                    items.splice(start, 1);
                }
            } else if (!visible || visible.has(node.code) || node.kind === "note") {
                items.push({key: "q:" + node.code, question: node, depth});
            }
        };
        for (const section of layout.sections || []) {
            walk(section, 0);
        }
        return items;
    }
    get readonly() {
        return this.props.readonly;
    }
    isList(question) {
        return LIST_KINDS.includes(question.kind);
    }
    isChoice(question) {
        return question.choices && question.choices.length > 0;
    }
    inputType(kind) {
        if (NUMBER_KINDS.includes(kind)) {
            return "text";
        }
        if (kind === "date") {
            return "date";
        }
        if (kind === "email") {
            return "email";
        }
        return "text";
    }
    inputMode(kind) {
        return NUMBER_KINDS.includes(kind) ? "decimal" : "text";
    }
    display(value) {
        if (value === null || value === undefined) {
            return "";
        }
        return String(value);
    }
    /** Text typed by the user as the answer's JSON value: numbers when the
     * text is one, else the text itself (the server reports the error). */
    parse(kind, text) {
        const trimmed = (text || "").trim();
        if (!trimmed) {
            return null;
        }
        if (kind === "integer" && /^-?\d+$/.test(trimmed)) {
            return parseInt(trimmed, 10);
        }
        if (
            (kind === "decimal" || kind === "percent") &&
            /^-?\d+([.,]\d+)?$/.test(trimmed)
        ) {
            return parseFloat(trimmed.replace(",", "."));
        }
        return trimmed;
    }
    setAnswer(code, value) {
        const base = this.answers;
        if (!this._pending) {
            this._sent = [JSON.stringify(base)];
        }
        const answers = {...base, [code]: value};
        if (value === null) {
            delete answers[code];
        }
        this._pending = answers;
        this._pendingKey = JSON.stringify(answers);
        this._sent.push(this._pendingKey);
        this.props.record.update({[this.props.name]: answers});
    }
    onInputChange(question, ev) {
        this.setAnswer(question.code, this.parse(question.kind, ev.target.value));
    }
    isChecked(question, choice) {
        return this.answers[question.code] === choice.value;
    }
    onRadio(question, choice) {
        this.setAnswer(question.code, choice.value);
    }
    clearChoice(question) {
        this.setAnswer(question.code, null);
    }
    isSelected(question, choice) {
        const value = this.answers[question.code];
        return Array.isArray(value) && value.includes(choice.value);
    }
    onCheckbox(question, choice, ev) {
        const current = Array.isArray(this.answers[question.code])
            ? this.answers[question.code]
            : [];
        const next = current.filter((v) => v !== choice.value);
        if (ev.target.checked) {
            next.push(choice.value);
        }
        this.setAnswer(question.code, next.length ? next : null);
    }
    rows(question) {
        const value = this.answers[question.code];
        return Array.isArray(value) ? value : [];
    }
    addRow(question) {
        this.setAnswer(question.code, [...this.rows(question), {}]);
    }
    removeRow(question, index) {
        const rows = this.rows(question).filter((row, i) => i !== index);
        this.setAnswer(question.code, rows.length ? rows : null);
    }
    onCellChange(question, index, column, ev) {
        const rows = this.rows(question).map((row) => ({...row}));
        const value = this.parse(column.kind, ev.target.value);
        if (value === null) {
            delete rows[index][column.name];
        } else {
            rows[index][column.name] = value;
        }
        this.setAnswer(question.code, rows);
    }
    cell(row, column) {
        return this.display(row[column.name]);
    }
    headingClass(depth) {
        return depth === 0 ? "h4 mt-4" : "h5 mt-3";
    }
    get addLabel() {
        return _t("Add a line");
    }
    get removeLabel() {
        return _t("Remove");
    }
}

export const vcSurveyAnswersField = {
    component: VcSurveyAnswersField,
    supportedTypes: ["json"],
    relatedFields: [
        {name: "form_layout", type: "json"},
        {name: "answer_errors", type: "json"},
        {name: "answer_visible", type: "json"},
    ],
};

registry.category("fields").add("vc_survey_answers", vcSurveyAnswersField);
