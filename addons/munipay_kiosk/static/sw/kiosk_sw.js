/* The kiosk page's service worker (scope /munipay/kiosk/, served by /munipay/kiosk/sw.js).
 * The page comes from the network while Odoo answers and from the cache while it does not;
 * the assets (their URLs change with their content) from the cache first; anything else
 * the page reads (its translations) as the page. So a kiosk whose
 * browser restarts while the link is down shows its page again, which then works from the
 * device bridge's offline store. The page puts itself and its assets in the cache. */
const CACHE = "munipay-kiosk-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function networkFirst(request) {
    const cache = await caches.open(CACHE);
    try {
        const response = await fetch(request);
        if (response.ok && !response.redirected) {
            await cache.put(request, response.clone());
        }
        return response;
    } catch (error) {
        const cached = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
        if (cached) {
            return cached;
        }
        throw error;
    }
}

async function cacheFirst(request) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(request);
    if (cached) {
        return cached;
    }
    const response = await fetch(request);
    if (response.ok) {
        await cache.put(request, response.clone());
    }
    return response;
}

self.addEventListener("fetch", (event) => {
    const request = event.request;
    const url = new URL(request.url);
    if (request.method !== "GET" || url.origin !== self.location.origin) {
        return;
    }
    if (url.pathname.startsWith("/web/assets/") || url.pathname.includes("/static/")) {
        event.respondWith(cacheFirst(request));
    } else {
        event.respondWith(networkFirst(request));
    }
});
