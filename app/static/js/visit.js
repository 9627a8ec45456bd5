/* Ruwo visit pages: keep the visit on the phone first, autosave it, submit it once.
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
  var KEEP_MS = 7 * 24 * 3600 * 1000;
  var MARKS = ["arrived", "ticket", "called", "served", "finished"];

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

  function locate(ok, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      ok({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy,
        at: new Date(p.timestamp).toISOString() });
    }, fail, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  }

  function visitUrl(template, draft) {
    var q = "?window_id=" + draft.window_id + "&item_id=" + (draft.service_item_id || "") +
      "&assignment_id=" + (draft.assignment_id || "");
    return template.replace("00000000-0000-0000-0000-000000000000", draft.uuid) + q;
  }

  /* --- Start buttons and the list of drafts kept on this phone --------------------------- */

  function initStart() {
    var links = $("#visit-links");
    var nearest = $("[data-locate-halls]");
    if (nearest) {
      nearest.addEventListener("click", function () {
        nearest.disabled = true;
        locate(function (p) {
          location.href = nearest.dataset.url + "?lat=" + p.latitude + "&lon=" + p.longitude;
        }, function () { nearest.disabled = false; });
      });
    }
    document.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-start]");
      if (!button || !links) { return; }
      var draft = {
        uuid: newUuid(), window_id: Number(button.dataset.window),
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
    var onServer = (list.dataset.serverDrafts || "").split(" ");
    var tpl = $("#local-draft");
    local.all().forEach(function (d) {
      if (!d.dirty && Date.now() - (d.keptAt || 0) > KEEP_MS) { local.forget(d.uuid); return; }
      if (onServer.indexOf(d.uuid) >= 0 || d.submitted) { return; }
      var card = tpl.content.firstElementChild.cloneNode(true);
      $("[data-title]", card).textContent = d.title || d.uuid.slice(0, 8);
      $("[data-link]", card).href = visitUrl(links.dataset.timer, d);
      $("[data-checklist]", card).href = visitUrl(links.dataset.checklist, d);
      $("[data-forget]", card).addEventListener("click", function () { local.forget(d.uuid); card.remove(); });
      list.appendChild(card);
      $("#no-drafts").hidden = true;
    });
    $all("[data-discard]").forEach(function (form) {
      form.addEventListener("submit", function () { local.forget(form.dataset.discard); });
    });
  }

  /* --- A visit: timer and checklist pages ------------------------------------------------ */

  function initVisit(page) {
    var csrf = ($("meta[name=csrf-token]") || {}).content || "";
    var status = $("#sync");
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
        materials: draft.materials, position: draft.position || null
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
          if (draft.rev === rev) { draft.dirty = false; local.put(draft); }
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

    function two(n) { return (n < 10 ? "0" : "") + n; }
    function clock(iso, seconds) {
      if (!iso) { return "—"; }
      var t = new Date(iso);
      return two(t.getHours()) + ":" + two(t.getMinutes()) + (seconds ? ":" + two(t.getSeconds()) : "");
    }
    function minutes(a, b) {
      if (!draft.marks[a] || !draft.marks[b]) { return null; }
      var m = Math.round((new Date(draft.marks[b]) - new Date(draft.marks[a])) / 60000);
      return m < 0 ? null : m;
    }
    function showDerived() {
      $all("[data-derived]").forEach(function (el) {
        var n = el.dataset.derived === "wait" ? minutes("ticket", "called") : minutes("served", "finished");
        el.textContent = n === null ? "" : el.dataset.label.replace("{n}", n);
      });
    }

    /* Timer page: one tap per step, stamped with the phone's clock. */
    var marks = $all("[data-mark]");
    function showMarks() {
      marks.forEach(function (b) {
        var iso = draft.marks[b.dataset.mark];
        $("time", b).textContent = clock(iso, true);
        b.classList.toggle("done", Boolean(iso));
      });
      showDerived();
    }
    if (marks.length) {
      marks.forEach(function (b) {
        b.addEventListener("click", function () {
          if (draft.marks[b.dataset.mark]) { return; }
          draft.marks[b.dataset.mark] = new Date().toISOString();
          if (navigator.vibrate) { navigator.vibrate(30); }
          changed();
          showMarks();
        });
      });
      $("[data-undo]").addEventListener("click", function () {
        var last = MARKS.filter(function (m) { return draft.marks[m]; }).pop();
        if (last) { delete draft.marks[last]; changed(); showMarks(); }
      });
      var face = $("#clock");
      var tick = function () { face.textContent = clock(new Date().toISOString(), true); };
      tick();
      setInterval(tick, 1000);
      showMarks();
    }

    /* Position: asked for on a tap, never on page load. */
    var place = $("[data-position]");
    function showPosition() {
      $("[data-position-text]", place).textContent = draft.position
        ? place.dataset.label.replace("{m}", Math.round(draft.position.accuracy || 0)) : place.dataset.none;
    }
    if (place) {
      $("[data-locate]", place).addEventListener("click", function () {
        locate(function (p) { draft.position = p; changed(); showPosition(); },
          function () { $("[data-position-text]", place).textContent = place.dataset.denied; });
      });
      showPosition();
    }

    window.RuwoVisit = {
      sync: sync, say: say, page: page, newUuid: newUuid, refresh: freshToken,
      csrf: function () { return csrf; },
      pendingPhotos: function () { return 0; }  // photo.js replaces it on the checklist
    };

    /* Checklist page. */
    var form = $("#checklist");
    if (form) { initChecklist(form); }

    function initChecklist(form) {
      var questions = $all("[data-q]", form);

      function read(q) {
        var type = q.dataset.type;
        var inputs = $all("input[name^='q-'], textarea[name^='q-']", q);
        if (type === "yesno" || type === "single" || type === "scale") {
          var on = inputs.filter(function (i) { return i.checked; })[0];
          if (!on) { return null; }
          if (type === "yesno") { return on.value === "true"; }
          return type === "scale" ? Number(on.value) : on.value;
        }
        if (type === "multi") {
          return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
        }
        if (type === "number") { return inputs[0].value === "" ? null : Number(inputs[0].value); }
        if (type === "text" || type === "textarea") { return inputs[0].value; }
        return undefined;
      }

      function write(q, value) {
        var type = q.dataset.type;
        $all("input[name^='q-'], textarea[name^='q-']", q).forEach(function (i) {
          if (i.type === "radio") { i.checked = value !== null && value !== undefined && String(value) === i.value; }
          else if (i.type === "checkbox") { i.checked = Array.isArray(value) && value.indexOf(i.value) >= 0; }
          else { i.value = value === null || value === undefined ? "" : value; }
        });
        if (type === "materials") {
          $all("input[name=material]", q).forEach(function (i) {
            i.checked = draft.materials.ticked.indexOf(Number(i.value)) >= 0;
          });
          $("#extra-materials").value = (draft.materials.extra || []).join("\n");
        }
        if (type === "timer") {
          $all("[data-mark-edit]", q).forEach(function (i) { i.value = draft.marks[i.dataset.markEdit] ? clockInput(draft.marks[i.dataset.markEdit]) : ""; });
        }
      }

      function clockInput(iso) { var t = new Date(iso); return two(t.getHours()) + ":" + two(t.getMinutes()) + ":" + two(t.getSeconds()); }

      function editMark(input) {
        var name = input.dataset.markEdit;
        if (!input.value) { delete draft.marks[name]; return; }
        var base = draft.marks[name] || draft.marks.arrived || MARKS.map(function (m) { return draft.marks[m]; }).filter(Boolean)[0];
        var day = base ? new Date(base) : new Date();
        var parts = input.value.split(":").map(Number);
        day.setHours(parts[0], parts[1], parts[2] || 0, 0);
        draft.marks[name] = day.toISOString();
      }

      function shownValue(key, values) {
        var q = $("[data-q='" + key + "']", form);
        return q && !q.hidden ? values[key] : undefined;
      }

      function applyConditions() {
        questions.forEach(function (q) {
          if (!q.dataset.showIf) { return; }
          var rule = JSON.parse(q.dataset.showIf);
          var value = shownValue(rule.question, draft.answers);
          var ok = Array.isArray(value)
            ? value.some(function (v) { return rule.accepted.indexOf(v) >= 0; })
            : rule.accepted.indexOf(value) >= 0;
          q.hidden = !ok;
        });
      }

      function collect(target) {
        if (target && target.dataset && target.dataset.markEdit) { editMark(target); }
        questions.forEach(function (q) {
          var value = read(q);
          if (value !== undefined) {
            if (value === null || value === "" || (Array.isArray(value) && !value.length)) { delete draft.answers[q.dataset.q]; }
            else { draft.answers[q.dataset.q] = value; }
          }
        });
        draft.materials = {
          ticked: $all("input[name=material]", form).filter(function (i) { return i.checked; }).map(function (i) { return Number(i.value); }),
          extra: ($("#extra-materials") ? $("#extra-materials").value : "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean)
        };
      }

      questions.forEach(function (q) { write(q, draft.answers[q.dataset.q]); });
      applyConditions();
      showDerived();
      form.addEventListener("input", function (ev) {
        collect(ev.target);
        applyConditions();
        showDerived();
        changed();
      });
      form.addEventListener("change", function (ev) { if (ev.target.type === "time") { collect(ev.target); showDerived(); changed(); } });

      function showProblems(problems) {
        $all("[data-error-for]", form).forEach(function (el) { el.hidden = true; el.textContent = ""; });
        var first = null;
        Object.keys(problems || {}).forEach(function (key) {
          var q = $("[data-q='" + key + "']", form);
          var el = $("[data-error-for='" + key + "']", form);
          if (!el && q) {
            el = document.createElement("p");
            el.className = "error";
            el.dataset.errorFor = key;
            q.appendChild(el);
          }
          el = el || $("[data-error-for='_form']", form);
          el.textContent = problems[key];
          el.hidden = false;
          first = first || el.closest("[data-q]") || el;
        });
        if (first) { first.scrollIntoView({ block: "center" }); }
      }

      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var button = $("[data-submit]", form);
        if (window.RuwoVisit.pendingPhotos() > 0) { say("photos"); return; }
        button.disabled = true;
        collect();
        changed();
        clearTimeout(timer);
        sync().then(function (saved) {
          // "submitted": an earlier submit arrived but its answer was lost; the same submit
          // again is answered with the same visit.
          if (!saved) { button.disabled = false; return null; }
          return send(page.urls.submit, "POST").then(function (r) {
            return r.json().catch(function () { return {}; }).then(function (data) {
              button.disabled = false;
              if (r.ok) {
                draft.submitted = true;
                local.forget(page.uuid);
                location.href = data.view || page.urls.view;
              } else if (r.status === 422) {
                say("invalid");
                showProblems(data.problems);
              } else if (r.status === 401) {
                say("login");
              } else if (r.status === 409) {
                say("submitted");
              } else {
                say("error", data.message);
              }
            });
          });
        }, function () { button.disabled = false; say("offline"); });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    initStart();
    var data = $("#visit-data");
    if (data) { initVisit(JSON.parse(data.textContent)); }
  });
}());
