/* Ruwo's service worker: the inspector's offline app shell (served as /sw.js; offline.js
 * fills its cache from the server's list and offline-purge.js empties it at logout).
 *
 * Pages under /visits/ and the static files come from the network first; when there is none
 * (or a weak one has not answered in 6 s) the kept copy answers. Every visit has a UUID of its
 * own, so a visit page the phone has not kept is answered with the page kept for any visit
 * (UUID 000…, per assignment or generic), which visit.js turns into this visit's page. The
 * JSON API is never answered from the cache: queue.js sends what the phone kept. Thumbnails of
 * a draft's photos are kept as the phone pages show them, to show them offline.
 */
"use strict";

var CACHE = "ruwo-pages";
var ZERO = "00000000-0000-0000-0000-000000000000";
var WAIT_MS = 6000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

/* The kept copy: the address itself, else the page for any visit, the start page, home. */
function kept(request) {
  var url = new URL(request.url);
  var tries = [url.pathname + url.search];
  var visit = /^(\/visits\/v\/)[0-9a-fA-F-]{36}(\/checklist)?$/.exec(url.pathname);
  if (visit) {
    var shell = visit[1] + ZERO + (visit[2] || "");
    if (url.searchParams.get("assignment_id")) { tries.push(shell + "?assignment_id=" + url.searchParams.get("assignment_id")); }
    tries.push(shell);
  } else if (url.pathname === "/visits/start") {
    tries.push(url.pathname);
  }
  if (request.mode === "navigate") { tries.push("/visits/"); }
  return caches.open(CACHE).then(function (cache) {
    return tries.reduce(function (found, key) {
      return found.then(function (hit) { return hit || cache.match(key, { ignoreVary: true }); });
    }, Promise.resolve(undefined));
  });
}

/* A fresh copy replaces a kept one (pages are kept only when offline.js chose them). */
function keepFresh(request, response, page) {
  return caches.has(CACHE).then(function (has) {
    if (!has) { return null; }  // purged at logout: keep nothing until the next login
    return caches.open(CACHE).then(function (cache) {
      if (!page) { return cache.put(request, response); }
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        return hit ? cache.put(request, response) : null;
      });
    });
  });
}

function networkFirst(request, page, keep) {
  return new Promise(function (resolve, reject) {
    var slow = setTimeout(function () {
      kept(request).then(function (hit) { if (hit) { resolve(hit); } });
    }, WAIT_MS);
    fetch(request).then(function (response) {
      clearTimeout(slow);
      if (keep && response.ok && response.type === "basic" && !response.redirected) {
        keepFresh(request, response.clone(), page);
      }
      resolve(response);
    }, function (error) {
      clearTimeout(slow);
      reject(error);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  var page = url.pathname.indexOf("/visits/") === 0 && url.pathname.indexOf("/visits/api/") !== 0;
  var thumb = /^\/photos\/[0-9a-fA-F-]{36}\/thumb\.jpg$/.test(url.pathname);  // of a draft's photos
  if (!page && !thumb && url.pathname.indexOf("/static/") !== 0) { return; }
  // Static files and thumbnails are kept when a phone page asks for them, never for the login
  // page (which empties the cache: keeping its stylesheet meanwhile would bring the cache back).
  var keep = page || new URL(request.referrer || self.location.origin).pathname.indexOf("/visits/") === 0;
  event.respondWith(networkFirst(request, page, keep).catch(function () {
    return kept(request).then(function (hit) { return hit || Response.error(); });
  }));
});
