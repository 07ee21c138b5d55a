/** Client-side checks of what the cashier or merchant typed (the server checks again). */

export function luhnValid(digits) {
    if (!/^\d+$/.test(digits || "")) {
        return false;
    }
    let total = 0;
    [...digits].reverse().forEach((char, index) => {
        let value = Number(char);
        if (index % 2 === 1) {
            value *= 2;
            if (value > 9) {
                value -= 9;
            }
        }
        total += value;
    });
    return total % 10 === 0;
}

/** A typed 10-digit PAN whose check digit is wrong: no need to ask the server. */
export function isBadPan(text) {
    const compact = (text || "").replace(/[\s\-./]/g, "");
    return /^\d{10}$/.test(compact) && !luhnValid(compact);
}
