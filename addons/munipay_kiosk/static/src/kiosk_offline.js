/** @odoo-module **/

const HEARTBEAT_MS = 60000;
const SYNC_MS = 10000;
const SNAPSHOT_MS = 15 * 60000;
export const CACHE = "munipay-kiosk-v1";

/**
 * The kiosk while Odoo is unreachable. The device bridge keeps a snapshot of what the
 * kiosk may collect and a queue of the payments it took meanwhile (both survive the
 * bridge's restarts); whenever Odoo answers, the queue is drained through the same
 * booking route as online payments: the acceptor session's key makes a second post
 * harmless, so a payment is never lost nor booked twice.
 */
export class OfflineSync {
    constructor(kiosk) {
        this.kiosk = kiosk;
        this.lastHeartbeat = 0;
        this.lastSnapshot = 0;
        this.queue = { pending: 0, oldest: null, error: null };
        this.syncing = false;
    }

    start() {
        this.registerServiceWorker();
        this.tick();
        setInterval(() => this.tick(), SYNC_MS);
    }

    /** Every 10 s: the heartbeat when due (or while payments wait), then sync and snapshot. */
    async tick() {
        await this.readQueue();
        const now = Date.now();
        if (now - this.lastHeartbeat < HEARTBEAT_MS && !this.queue.pending && this.kiosk.online) {
            return;
        }
        this.lastHeartbeat = now;
        await this.kiosk.heartbeat(this.queue);
        if (!this.kiosk.online) {
            return;
        }
        await this.sync();
        if (Date.now() - this.lastSnapshot > SNAPSHOT_MS) {
            await this.refreshSnapshot();
        }
    }

    async readQueue() {
        try {
            const answer = await this.kiosk.bridge("GET", "/v1/offline/payments");
            if (answer.status === 200) {
                this.payments = answer.data.payments;
                Object.assign(this.queue, { pending: answer.data.pending, oldest: answer.data.oldest });
            }
        } catch {
            this.payments = null; // the bridge is away: the heartbeat says so
        }
    }

    /** Book what the bridge queued, oldest first; stop at the first sign Odoo is gone. */
    async sync() {
        if (this.syncing || !this.payments?.length) {
            return;
        }
        this.syncing = true;
        let error = null;
        try {
            for (const payment of this.payments) {
                let answer;
                try {
                    answer = await this.kiosk.odoo("book", {
                        key: payment.key,
                        kind: payment.kind,
                        target_id: payment.target_id,
                        session: payment.session,
                        offline: true,
                    });
                } catch (failure) {
                    if (failure.offline) {
                        return;
                    }
                    // refused by Odoo (a kiosk being closed...): tell the heartbeat, try the next
                    error = `${payment.key}: ${this.kiosk.errorText(failure)}`.slice(0, 500);
                    continue;
                }
                await this.kiosk.bridge("POST", `/v1/offline/payments/${encodeURIComponent(payment.key)}/synced`, {
                    answer: { status: answer.status, outcome: answer.outcome, message: answer.message },
                });
            }
        } finally {
            this.queue.error = error;
            this.syncing = false;
        }
        await this.readQueue();
    }

    async refreshSnapshot() {
        try {
            const snapshot = await this.kiosk.odoo("snapshot", {});
            const answer = await this.kiosk.bridge("PUT", "/v1/offline/snapshot", snapshot);
            if (answer.status === 200) {
                this.lastSnapshot = Date.now();
            }
        } catch {
            // offline or the bridge away: the next tick tries again
        }
    }

    async lookup(text) {
        const answer = await this.kiosk.bridge("POST", "/v1/offline/lookup", { text });
        if (answer.status !== 200) {
            throw new Error(answer.data.error || "no offline store");
        }
        return answer.data;
    }

    async enqueue(key, target, session) {
        const answer = await this.kiosk.bridge("POST", "/v1/offline/payments", {
            key,
            kind: target.kind,
            target_id: target.target_id,
            target: { name: target.name, fee: target.fee, initials: target.initials, amount_due: target.amount_due },
            session,
        });
        if (answer.status >= 300) {
            throw new Error(answer.data.error || "not queued");
        }
        await this.readQueue();
        return answer.data;
    }

    /** The page and its assets in the browser's cache, for a restart while Odoo is away. */
    async registerServiceWorker() {
        if (!("serviceWorker" in navigator) || !window.caches) {
            return;
        }
        try {
            await navigator.serviceWorker.register("/munipay/kiosk/sw.js", { scope: "/munipay/kiosk/" });
            // what the page loaded before its worker ran: scripts, styles, translations (not the RPCs)
            const loaded = performance.getEntriesByType("resource")
                .filter((entry) => entry.initiatorType !== "xmlhttprequest")
                .map((entry) => new URL(entry.name))
                .filter((url) => url.origin === window.location.origin && !url.pathname.endsWith("/sw.js"))
                .map((url) => url.href);
            const cache = await caches.open(CACHE);
            await cache.add(window.location.href);
            await Promise.allSettled([...new Set(loaded)].map((url) => cache.add(url)));
            this.kiosk.root.dataset.cached = "1";
        } catch {
            // offline already, or no service workers here: the page works, it cannot restart offline
        }
    }
}
