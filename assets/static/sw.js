// Omnara service worker: makes the dashboard installable and shows an
// offline page when the server cannot be reached. Pages are never served
// from the cache: what people see about their agents must be current.
const CACHE = "omnara-offline-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.add("/offline")).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).catch(() => caches.match("/offline")));
    return;
  }
  // Static files have content-hashed URLs, so a cached copy is never stale.
  if (new URL(req.url).pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(req).then((hit) => hit || fetch(req).then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return res;
      }))
    );
  }
});

// Web Push: a question shows its options as buttons where the browser
// supports actions; a button answers through the one-use link, a tap on
// the notification opens the session.
self.addEventListener("push", (event) => {
  let m = {};
  try { m = event.data.json(); } catch (e) { m = { title: "Omnara", body: event.data ? event.data.text() : "" }; }
  const options = (m.answer_url && m.options) ? m.options.slice(0, 2) : [];
  event.waitUntil(self.registration.showNotification(m.title || "Omnara", {
    body: m.body || "",
    tag: m.id,
    data: { url: m.url || "/", answer: m.answer_url || "" },
    actions: options.map((o) => ({ action: o, title: o })),
    requireInteraction: m.kind === "question",
  }));
});

self.addEventListener("notificationclick", (event) => {
  const n = event.notification;
  n.close();
  if (event.action && n.data.answer) {
    event.waitUntil(fetch(n.data.answer, { method: "POST", headers: { "Content-Type": "text/plain" }, body: event.action }));
    return;
  }
  event.waitUntil(self.clients.openWindow(n.data.url));
});
