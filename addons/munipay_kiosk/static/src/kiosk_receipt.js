/** @odoo-module **/

/**
 * Receipts of the kiosk: printed on the device bridge's ESC/POS printer when the bridge
 * has one (POST /v1/printer/receipt, the JSON of its contract), else by the browser.
 */

const WIDTH = 42; // characters per line at normal size on 80 mm paper

/** ``text`` cut at spaces into lines of at most ``width`` characters (a longer word is cut). */
export function wrap(text, width = WIDTH) {
    const lines = [];
    let line = "";
    for (let word of String(text).split(/\s+/).filter(Boolean)) {
        while (word.length > width) {
            if (line) {
                lines.push(line);
                line = "";
            }
            lines.push(word.slice(0, width));
            word = word.slice(width);
        }
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = word;
        } else {
            line = line ? `${line} ${word}` : word;
        }
    }
    if (line || !lines.length) {
        lines.push(line);
    }
    return lines;
}

/** A label on the left and an amount on the right, the label wrapped above when long. */
function columns(left, right) {
    const labels = wrap(left, Math.max(WIDTH - right.length - 1, 10));
    const last = labels.pop();
    const gap = Math.max(WIDTH - last.length - right.length, 1);
    return [...labels, `${last}${" ".repeat(gap)}${right}`].join("\n");
}

/** The printer job of an online receipt the server did not lay out: its block's text lines. */
export function jobFromElement(element, receiptId) {
    const lines = element.innerText
        .split("\n")
        .map((line) => line.replace(/\s+/g, " ").trim())
        .filter(Boolean)
        .map((text) => text.slice(0, 120));
    return { receipt_id: receiptId, lines: lines.length ? lines : ["-"], cut: true };
}

/**
 * What a provisional receipt says (screen and paper): the kiosk took the money while it
 * could not reach Odoo; the payment is booked when the link returns, under ``key``.
 */
export function provisionalLines(kiosk, key, target, session) {
    const labels = kiosk.labels;
    const excess = Math.max(session.inserted - (target.top_up ? 0 : target.amount_due), 0);
    const lines = [
        { text: labels.provisional_title, bold: true, size: "double_height", align: "center" },
        { text: kiosk.data.name, align: "center" },
        { text: new Date().toLocaleString(kiosk.data.lang.replace("_", "-")), align: "center" },
        "",
        columns(labels.order, target.name || ""),
    ];
    if (target.fee) {
        lines.push(target.fee);
    }
    lines.push(columns(labels.payer, target.initials || ""));
    lines.push({ text: columns(labels.inserted, kiosk.money(session.inserted)), bold: true });
    if (excess && !target.top_up) {
        lines.push(columns(labels.excess, kiosk.money(excess)));
    }
    lines.push("", labels.provisional_note, "", `${labels.key}: ${key}`);
    return lines.map((line) => (typeof line === "string" ? { text: line } : line));
}

export function provisionalJob(lines, key) {
    const printed = [];
    for (const line of lines) {
        const width = ["double", "double_width"].includes(line.size) ? WIDTH / 2 : WIDTH;
        for (const part of line.text.split("\n")) {
            // a line that fits keeps its spacing (the columns of a label and its amount)
            for (const text of part.length <= width ? [part] : wrap(part, width)) {
                printed.push({ ...line, text: text || " " });
            }
        }
    }
    return {
        receipt_id: `prov-${key}`,
        lines: printed,
        qr: { payload: key, size: 5, align: "center" },
        cut: true,
    };
}

/**
 * Print a receipt: ``job`` on the bridge's printer when it has one, else the browser's
 * print of ``element``. Returns the bridge's answer (or null).
 *
 * The bridge is asked each time, not only once a heartbeat found its printer: a page
 * reloaded with a booked session prints before its first heartbeat has asked, and
 * would hand an ESC/POS kiosk's receipt to the browser. Only a bridge without a
 * printer (404) leaves it to the browser.
 */
export async function printReceipt(kiosk, element, job) {
    try {
        const answer = await kiosk.bridge("POST", "/v1/printer/receipt", job, 25000);
        if (answer.status !== 404) {
            return answer;
        }
    } catch {
        return null; // the bridge is restarting: the receipt is on screen; "print again" retries
    }
    if (window.navigator.webdriver) {
        return null; // a test browser has no printer dialog to close
    }
    document.body.classList.add("o_munipay_kiosk_printing");
    element.classList.add("o_munipay_kiosk_print_me");
    window.print();
    element.classList.remove("o_munipay_kiosk_print_me");
    document.body.classList.remove("o_munipay_kiosk_printing");
    return null;
}
