/* Logged out (or the login ended): forget the pages and catalogue kept for offline work.
 * Visits not yet uploaded stay on the phone (localStorage, IndexedDB) until they are sent. */
(function () {
  "use strict";
  try { localStorage.removeItem("ruwo.kit"); } catch (e) { /* private mode */ }
  if (!window.caches) { return; }
  caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("ruwo") === 0; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { document.documentElement.dataset.offlinePurged = "1"; });
}());
