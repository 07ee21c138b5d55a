/** The merchant's wallet snapshot, for when Odoo cannot be reached (mirrors the server's lookup). */

const SEPARATORS = /[\s\-./]/g;
const TRACK2 = /;(\d{12,24})[=?]/;
const TRACK1 = /%[A-Z](\d{12,24})\^/;

/** The number a typed PAN or a typed or swiped card finds a wallet by, or "" (a name). */
export function snapshotKey(text) {
    const clean = (text || "").replace(/\x00/g, "").trim();
    const compact = clean.replace(SEPARATORS, "");
    if (/^\d{10}$/.test(compact)) {
        return compact;
    }
    const track = clean.toUpperCase().match(TRACK2) || clean.toUpperCase().match(TRACK1);
    if (track) {
        return track[1];
    }
    return /^\d{12,24}$/.test(compact) ? compact : "";
}

export class WalletSnapshot {
    constructor(entries) {
        this.entries = new Map();
        this.byKey = new Map();
        for (const entry of entries || []) {
            const { keys, ...values } = entry;
            this.entries.set(values.id, values);
            for (const key of keys || []) {
                this.byKey.set(key, [...(this.byKey.get(key) || []), values.id]);
            }
        }
    }
    /** The wallet values (no names, masked PAN) that ``text`` finds. */
    find(text) {
        const key = snapshotKey(text);
        return (key && this.byKey.get(key) || []).map((id) => this.entries.get(id));
    }
    setBalance(walletId, balance) {
        const entry = this.entries.get(walletId);
        if (entry) {
            entry.pos_balance = balance;
        }
    }
    get(walletId) {
        return this.entries.get(walletId);
    }
}
