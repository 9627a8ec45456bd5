/* Ruwo start pages and the inspector's home: start buttons, nearest halls, and the drafts
 * kept on this phone. visit-draft.js (loaded first) keeps drafts on the phone. */
(function () {
  "use strict";

  var KEEP_MS = 7 * 24 * 3600 * 1000;
  var drafts = window.RuwoDraft;
  var $ = drafts.$;
  var $all = drafts.$all;
  var local = drafts.local;

  function visitUrl(template, draft) {
    var q = "?window_id=" + draft.window_id + "&item_id=" + (draft.service_item_id || "") +
      "&assignment_id=" + (draft.assignment_id || "");
    return template.replace("00000000-0000-0000-0000-000000000000", draft.uuid) + q;
  }

  function initStart() {
    var links = $("#visit-links");
    var nearest = $("[data-locate-halls]");
    if (nearest) {
      nearest.addEventListener("click", function () {
        nearest.disabled = true;
        drafts.locate(function (p) {
          location.href = nearest.dataset.url + "?lat=" + p.latitude + "&lon=" + p.longitude;
        }, function () { nearest.disabled = false; });
      });
    }
    document.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-start]");
      if (!button || !links) { return; }
      var draft = {
        uuid: drafts.newUuid(), window_id: Number(button.dataset.window),
        service_item_id: button.dataset.item ? Number(button.dataset.item) : null,
        assignment_id: button.dataset.assignment ? Number(button.dataset.assignment) : null,
        title: button.dataset.title || "", marks: {}, answers: {}, materials: { ticked: [], extra: [] },
        rev: 0, dirty: false
      };
      local.put(draft);
      location.href = visitUrl(links.dataset.timer, draft);
    });
    var list = $("#drafts");
    if (!list || !links) { return; }
    keepServerDrafts();
    var onServer = (list.dataset.serverDrafts || "").split(" ");
    var tpl = $("#local-draft");
    local.all().forEach(function (d) {
      if (!d.dirty && !d.queued && Date.now() - (d.keptAt || 0) > KEEP_MS) { local.forget(d.uuid); return; }
      if (d.submitted || (onServer.indexOf(d.uuid) >= 0 && !d.queued)) { return; }
      var twin = $("[data-draft='" + d.uuid + "']", list);  // the server's copy, behind the phone's
      if (twin) { twin.remove(); }
      var card = tpl.content.firstElementChild.cloneNode(true);
      $("[data-title]", card).textContent = d.title || d.uuid.slice(0, 8);
      $("[data-link]", card).href = visitUrl(links.dataset.timer, d);
      $("[data-checklist]", card).href = visitUrl(links.dataset.checklist, d);
      if (d.queued) {
        $("[data-state]", card).textContent = tpl.dataset.queued;
        $("[data-forget]", card).remove();
      } else {
        $("[data-forget]", card).addEventListener("click", function () { local.forget(d.uuid); card.remove(); });
      }
      list.appendChild(card);
      $("#no-drafts").hidden = true;
    });
    $all("[data-discard]").forEach(function (form) {
      form.addEventListener("submit", function () { local.forget(form.dataset.discard); });
    });
  }

  /* The account's drafts on the server (also those begun on another phone), kept on this
   * phone so that they open offline, with their photos' thumbnails. A copy the phone made or
   * opened itself is never replaced from here: the visit page brings it up to date. */
  function keepServerDrafts() {
    var source = $("#kept-drafts");
    if (!source || !navigator.onLine) { return; }  // a kept copy of this page may be older than the phone's
    var user = ($("#queue") || { dataset: {} }).dataset.user;
    var server = [];
    try { server = JSON.parse(source.textContent) || []; } catch (e) { return; }
    var known = {};
    server.forEach(function (s) {
      known[s.uuid] = true;
      var have = local.get(s.uuid);
      if (have && !(have.seeded && !have.dirty && !have.queued && have.updated_at < s.updated_at)) { return; }
      s.rev = 0;
      s.dirty = false;
      s.seeded = true;
      s.user = user;
      local.put(s);
      if (window.caches && s.photos && s.photos.length) {  // where the service worker finds them offline
        caches.open("ruwo-pages").then(function (cache) {
          return Promise.all(s.photos.map(function (p) { return cache.add(p.thumb); }));
        }).catch(function () { return null; });
      }
    });
    local.all().forEach(function (d) {  // submitted or discarded elsewhere meanwhile
      if (d.seeded && !d.dirty && !d.queued && !known[d.uuid]) { local.forget(d.uuid); }
    });
  }

  document.addEventListener("DOMContentLoaded", initStart);
}());
