/* Ruwo visit drafts: kept on the phone first, then sent to the server (pages: visit.js).
 *
 * A draft lives in localStorage under "ruwo.visit.<uuid>" before anything is sent, so that
 * a locked phone, a dead connection or an expired login loses nothing. Changes are sent
 * (debounced) to the JSON API; after a new login the page reloads with a fresh CSRF token
 * and whatever the phone kept is sent then. Submit uses the UUID made here, so sending it
 * twice gives the same visit.
 */
(function () {
  "use strict";

  var PREFIX = "ruwo.visit.";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  var local = {
    get: function (id) {
      try { return JSON.parse(localStorage.getItem(PREFIX + id)); } catch (e) { return null; }
    },
    put: function (draft) {
      if (draft.submitted) { return; }  // the server has it: a late autosave must not bring it back
      draft.keptAt = Date.now();
      try { localStorage.setItem(PREFIX + draft.uuid, JSON.stringify(draft)); } catch (e) { /* full: the server copy still counts */ }
    },
    forget: function (id) { localStorage.removeItem(PREFIX + id); },
    all: function () {
      var out = [];
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) {
          var d = local.get(key.slice(PREFIX.length));
          if (d && d.uuid) { out.push(d); }
        }
      }
      return out;
    }
  };

  /* The phone's position, asked for on a tap (never on page load). */
  function locate(ok, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      ok({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy,
        at: new Date(p.timestamp).toISOString() });
    }, fail, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  }

  /* Photos wait in IndexedDB ("ruwo", store "photos") until the server has them. */
  function outbox(mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("ruwo", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("photos", { keyPath: "uuid" }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("photos", mode);
        var result = work(tx.objectStore("photos"));
        tx.oncomplete = function () { open.result.close(); resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      };
    });
  }

  /* The JSON API, with the page's CSRF token, renewed from the session URL when it is stale. */
  var csrf = "";
  function token() { csrf = csrf || ($("meta[name=csrf-token]") || {}).content || ""; return csrf; }
  function send(url, method, body) {
    var headers = { "X-CSRFToken": token(), "Accept": "application/json" };
    if (typeof body === "string") { headers["Content-Type"] = "application/json"; }
    return fetch(url, { method: method, credentials: "same-origin", body: body, headers: headers });
  }
  function freshToken(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("login"); }  // 401, or the login page of an expired session
        return r.json();
      })
      .then(function (data) { csrf = data.csrf_token; });
  }
  function payload(draft) {
    return JSON.stringify({
      window_id: draft.window_id, service_item_id: draft.service_item_id,
      assignment_id: draft.assignment_id, marks: draft.marks, answers: draft.answers,
      materials: draft.materials, position: draft.position || null, verdicts: draft.verdicts || {}
    });
  }

  /* The page's draft: the phone's copy when it has unsent changes (or the server has none). */
  function open(page) {
    var kept = local.get(page.uuid);
    var draft;
    if (kept && (kept.dirty || !page.server)) {
      draft = kept;
    } else if (page.server) {
      draft = page.server;
      draft.rev = 0;
      draft.dirty = false;
      draft.title = kept && kept.title;
    } else {
      draft = { uuid: page.uuid, marks: {}, answers: {}, materials: { ticked: [], extra: [] }, rev: 0, dirty: false };
    }
    if (page.server) {  // what the page shows beside the draft, for opening it offline later
      draft.photos = page.photos;
      draft.return_comment = page.return_comment;
    }
    draft.window_id = page.window_id;
    draft.user = draft.user || page.user;
    if (draft.service_item_id === undefined) { draft.service_item_id = page.service_item_id; }
    if (!draft.assignment_id) { draft.assignment_id = page.assignment_id || null; }
    draft.materials = draft.materials || { ticked: [], extra: [] };
    local.put(draft);
    return draft;
  }

  /* Autosave: after a change (debounced), back online, page shown, every 30 s while unsent. */
  function connect(page, draft) {
    var status = $("#sync");

    function say(kind, message) {
      if (!status) { return; }
      if (draft.queued && ["login", "invalid", "submitted", "refused"].indexOf(kind) < 0) {
        kind = "queued";  // a late autosave or photo failing offline: the queue sends it all
        message = "";
      }
      if (kind === "refused") { kind = "error"; }
      status.textContent = message || status.dataset[kind] || "";
      status.className = "sync sync-" + kind;
      $("#relogin").hidden = kind !== "login";
    }

    function refresh() { return freshToken(page.urls.session); }

    var timer = null;
    var busy = null;

    function sync(retried) {
      if (!draft.dirty) { return Promise.resolve(true); }
      if (busy) { return busy; }
      var rev = draft.rev;
      busy = send(page.urls.save, "PUT", payload(draft)).then(function (r) {
        busy = null;
        if (r.ok) {
          if (draft.rev !== rev) { return sync(); }  // changed while this copy was on its way
          draft.dirty = false;
          local.put(draft);
          say("saved");
          return true;
        }
        if (r.status === 401) { say("login"); return false; }
        if (r.status === 409) { say("submitted"); return "submitted"; }
        return r.json().catch(function () { return {}; }).then(function (answer) {
          if (r.status === 400 && answer.reason === "csrf" && !retried) {
            return refresh().then(function () { return sync(true); }, function () { say("login"); return false; });
          }
          say("error", answer.message);  // refused (too long, too large…): the phone keeps its copy
          return false;
        });
      }, function () {
        busy = null;
        say("offline");
        return false;
      });
      return busy;
    }

    function changed() {
      draft.rev = (draft.rev || 0) + 1;
      draft.dirty = true;
      local.put(draft);
      say("local");
      clearTimeout(timer);
      timer = setTimeout(sync, 1200);
    }

    // A queued visit is sent by queue.js (save, photos, submit), not by the page.
    function later() { if (draft.dirty && !draft.queued) { sync(); } }
    window.addEventListener("online", later);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { later(); } });
    setInterval(later, 30000);
    if (draft.queued) { say("queued"); } else if (draft.dirty) { sync(); } else if (page.server) { say("saved"); }

    return {
      say: say, sync: sync, changed: changed, refresh: refresh,
      send: function (url, method) { return send(url, method, payload(draft)); },
      csrf: token,
      hold: function () { clearTimeout(timer); }  // the caller syncs now instead
    };
  }

  window.RuwoDraft = { $: $, $all: $all, newUuid: newUuid, local: local, open: open, connect: connect,
    locate: locate, outbox: outbox, send: send, token: token, freshToken: freshToken, payload: payload };
}());
