/* Ruwo's offline app shell, page side: registers the service worker (sw.js, served from the
 * site root) and, on the inspector's home while online, keeps what the server lists for
 * offline work (api/offline: the start pages, the page for any visit, the catalogue, the
 * scripts) in the cache the worker answers from. Where no worker can register (WeChat's
 * browser on iOS, a certificate error) nothing changes: the pages work online as before. */
(function () {
  "use strict";

  var CACHE = "ruwo-pages";
  var FRESH_MS = 3600 * 1000;
  var box = document.getElementById("queue");
  if (!box || !("serviceWorker" in navigator) || !window.caches) { return; }

  function keep(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok || r.redirected) { return null; }
      return r.clone().json().then(function (kit) {
        var stamp = box.dataset.user + " " + kit.version;
        var last = {};
        try { last = JSON.parse(localStorage.getItem("ruwo.kit")) || {}; } catch (e) { /* none */ }
        return caches.open(CACHE).then(function (cache) {
          if (last.stamp === stamp && Date.now() - last.at < FRESH_MS) { return cache.put(url, r); }
          return Promise.all(kit.urls.map(function (page) {
            return fetch(page, { credentials: "same-origin" }).then(function (p) {
              if (!p.ok || p.redirected) { throw new Error(page); }  // the login ended meanwhile
              return cache.put(page, p);
            });
          })).then(function () {
            localStorage.setItem("ruwo.kit", JSON.stringify({ stamp: stamp, at: Date.now() }));
            return cache.put(url, r);
          });
        });
      });
    }).catch(function () { return null; });  // kept again at the next opening of the home page
  }

  var ready = navigator.serviceWorker.register(box.dataset.worker, { scope: "/" });
  if (box.dataset.refresh !== undefined) {
    ready.then(function () { return navigator.onLine ? keep(box.dataset.kit) : null; })
      .then(function () { document.documentElement.dataset.offlineReady = "1"; }, function () { /* no worker */ });
  }
}());
