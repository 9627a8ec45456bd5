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
    draft.window_id = page.window_id;
    if (draft.service_item_id === undefined) { draft.service_item_id = page.service_item_id; }
    if (!draft.assignment_id) { draft.assignment_id = page.assignment_id || null; }
    draft.materials = draft.materials || { ticked: [], extra: [] };
    local.put(draft);
    return draft;
  }

  /* Autosave: after a change (debounced), back online, page shown, every 30 s while unsent. */
  function connect(page, draft) {
    var csrf = ($("meta[name=csrf-token]") || {}).content || "";
    var status = $("#sync");

    function say(kind, message) {
      if (!status) { return; }
      status.textContent = message || status.dataset[kind] || "";
      status.className = "sync sync-" + kind;
      $("#relogin").hidden = kind !== "login";
    }

    function body() {
      return JSON.stringify({
        window_id: draft.window_id, service_item_id: draft.service_item_id,
        assignment_id: draft.assignment_id, marks: draft.marks, answers: draft.answers,
        materials: draft.materials, position: draft.position || null, verdicts: draft.verdicts || {}
      });
    }

    function send(url, method) {
      return fetch(url, {
        method: method, credentials: "same-origin", body: body(),
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" }
      });
    }

    function freshToken() {
      return fetch(page.urls.session, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.status === 401) { throw new Error("login"); }
          return r.json();
        })
        .then(function (data) { csrf = data.csrf_token; });
    }

    var timer = null;
    var busy = null;

    function sync(retried) {
      if (!draft.dirty) { return Promise.resolve(true); }
      if (busy) { return busy; }
      var rev = draft.rev;
      busy = send(page.urls.save, "PUT").then(function (r) {
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
            return freshToken().then(function () { return sync(true); }, function () { say("login"); return false; });
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

    window.addEventListener("online", function () { sync(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); } });
    setInterval(function () { if (draft.dirty) { sync(); } }, 30000);
    if (draft.dirty) { sync(); } else if (page.server) { say("saved"); }

    return {
      say: say, send: send, sync: sync, changed: changed, refresh: freshToken,
      csrf: function () { return csrf; },
      hold: function () { clearTimeout(timer); }  // the caller syncs now instead
    };
  }

  window.RuwoDraft = { $: $, $all: $all, newUuid: newUuid, local: local, open: open, connect: connect };
}());
