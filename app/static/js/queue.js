/* Ruwo's outbox: visits submitted on the phone wait here and are sent exactly once.
 *
 * A submitted visit stays in localStorage (visit-draft.js) marked "queued", its photos in
 * IndexedDB. Sending it is three steps, each keyed by a UUID made on the phone, so that a
 * step repeated after a lost answer finds what the server already has: the draft (PUT), each
 * photo, then the submit. The queue is sent when a page opens, when the connection comes back
 * and when the page is shown again (not Background Sync, which only Chromium has), one tab at a
 * time. After the login has ended it asks for a new one, then takes a fresh CSRF token.
 */
(function () {
  "use strict";

  var ZERO = "00000000-0000-0000-0000-000000000000";
  var D = window.RuwoDraft;
  var box = D.$("#queue");
  var watchers = {};
  var running = null;
  var pause = 0;  // after "online" the network may still fail for a while: retry, waiting longer

  function mine() {
    return D.local.all().filter(function (d) {
      return d.queued && !d.submitted && (!d.user || d.user === box.dataset.user);
    });
  }

  function show(kind) {
    var n = mine().length;
    D.$("[data-queue-count]", box).textContent = n === 1 ? box.dataset.one : box.dataset.many.replace("{n}", n);
    D.$("[data-queue-login]", box).hidden = kind !== "login";
    box.hidden = !n || box.dataset.discreet !== undefined;  // the timer says nothing of visits
  }

  function tell(uuid, kind, data) {
    if (watchers[uuid]) { watchers[uuid](kind, data || {}); }
  }

  function Stop(kind, data) { this.kind = kind; this.data = data; }

  function answer(r) { return r.json().catch(function () { return {}; }); }

  /* One request; a stale CSRF token is renewed once, a 401 or no network stops the run. */
  function call(url, method, body, retried) {
    return D.send(url, method, body).then(function (r) {
      if (r.status === 401) { throw new Stop("login"); }
      if (r.status !== 400 || retried) { return r; }
      return answer(r.clone()).then(function (data) {
        if (data.reason !== "csrf") { return r; }
        return D.freshToken(box.dataset.session).then(function () {
          return call(url, method, body, true);
        }, function () { throw new Stop("login"); });
      });
    }, function (error) {
      throw error instanceof Stop ? error : new Stop("offline");
    });
  }

  /* Refused for good (a 4xx other than 401): no longer queued, the visit page says why. */
  function refused(d, kind, data) {
    d.queued = false;
    D.local.put(d);
    tell(d.uuid, kind, data);
  }

  function sendPhotos(d, url) {
    return D.outbox("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.visit === d.uuid && i.blob; }).reduce(function (done, item) {
        return done.then(function () {
          var form = new FormData();
          form.append("file", item.blob, item.name);
          form.append("photo_uuid", item.uuid);
          form.append("question_key", item.question);
          form.append("taken_at", String(item.takenAt || ""));
          return call(url, "POST", form).then(function (r) {
            if (r.status >= 500) { return answer(r).then(function (data) { throw new Stop("error", data); }); }
            // Stored (201), stored before (200), or refused for good (not a photo): sent.
            return D.outbox("readwrite", function (store) { store.delete(item.uuid); });
          });
        });
      }, Promise.resolve());
    });
  }

  function sendVisit(d) {
    var url = box.dataset.api.replace(ZERO, d.uuid);
    return call(url, "PUT", D.payload(d)).then(function (r) {
      // 409: submitted already (its answer was lost); the same submit again gets the same visit.
      if (r.ok || r.status === 409) { return sendPhotos(d, url + "/photos").then(function () { return true; }); }
      return answer(r).then(function (data) {
        if (r.status >= 500) { throw new Stop("error", data); }
        refused(d, "refused", data);
        return false;
      });
    }).then(function (saved) {
      if (!saved) { return null; }
      return call(url + "/submit", "POST", D.payload(d)).then(function (r) {
        return answer(r).then(function (data) {
          // 409: this visit was submitted before with other answers; it can no longer change.
          if (r.ok || r.status === 409) {
            D.local.forget(d.uuid);
            tell(d.uuid, "submitted", data);
          } else if (r.status >= 500) {
            throw new Stop("error", data);
          } else {
            refused(d, r.status === 422 ? "invalid" : "refused", data);
          }
        });
      });
    });
  }

  function sendAll() {
    return mine().reduce(function (done, d) {
      return done.then(function () {
        var now = D.local.get(d.uuid);  // another tab may have sent it meanwhile
        return now && now.queued && !now.submitted ? sendVisit(now) : null;
      });
    }, Promise.resolve());
  }

  function run() {
    if (running) { return running; }
    if (!mine().length) { show(); return Promise.resolve(); }
    show();
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist(); }
    var work = navigator.locks ? navigator.locks.request("ruwo-queue", sendAll) : sendAll();
    running = work.then(function () { pause = 0; show(); }, function (stop) {
      show(stop.kind);
      mine().forEach(function (d) { tell(d.uuid, stop.kind || "error", stop.data); });
      if (stop.kind !== "login" && navigator.onLine) {
        pause = Math.min(2 * pause || 3000, 60000);
        setTimeout(run, pause);
      }
    }).then(function () { running = null; });
    return running;
  }

  window.RuwoQueue = { run: run, watch: function (uuid, fn) { watchers[uuid] = fn; } };
  window.addEventListener("online", run);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { run(); } });
  document.addEventListener("DOMContentLoaded", run);
  setInterval(function () { if (mine().length) { run(); } }, 60000);
}());
