/* Ruwo visit pages: timer, position, checklist. visit-draft.js (loaded first) keeps the
 * draft on the phone and sends it; a submitted visit goes through queue.js. */
(function () {
  "use strict";

  var MARKS = ["arrived", "ticket", "called", "served", "finished"];
  var drafts = window.RuwoDraft;
  var $ = drafts.$;
  var $all = drafts.$all;
  var local = drafts.local;
  var newUuid = drafts.newUuid;
  var locate = drafts.locate;

  /* --- A visit: timer and checklist pages ------------------------------------------------ */

  var ZERO = "00000000-0000-0000-0000-000000000000";

  /* A page the phone kept for any visit (the service worker answers with it offline): make
   * it this visit's page, from the address (its UUID, window, matter and assignment). */
  function adopt(page) {
    var found = /\/v\/([0-9a-f-]{36})/.exec(location.pathname);
    if (page.uuid !== ZERO || !found || found[1] === ZERO) { return page; }
    var query = new URLSearchParams(location.search);
    var number = function (name) { return Number(query.get(name)) || null; };
    var kept = local.get(found[1]) || {};  // a draft's link from the home page has no query
    page = JSON.parse(JSON.stringify(page).split(ZERO).join(found[1]));
    page.window_id = number("window_id") || kept.window_id || page.window_id;
    page.service_item_id = query.has("item_id") ? number("item_id") : kept.service_item_id || page.service_item_id;
    page.assignment_id = number("assignment_id") || kept.assignment_id || page.assignment_id;
    page.server = null;  // not known offline: the phone's copy counts
    page.photos = kept.photos || [];  // as the server had them when last seen
    page.return_comment = kept.return_comment || "";
    page.urls.login = page.urls.login.split("?")[0] + "?next=" + encodeURIComponent(location.pathname + location.search);
    $all("a[href*='" + ZERO + "']").forEach(function (a) {
      a.href = a.pathname.indexOf(ZERO) >= 0 ? a.pathname.replace(ZERO, found[1]) + location.search : page.urls.login;
    });
    return page;
  }

  /* The kept page knows no hall, window or matter: take them from the kept catalogue. */
  function describe(page, draft) {
    if (!page.shell || !window.caches) { return; }
    caches.match(page.urls.kit, { ignoreVary: true }).then(function (r) { return r && r.json(); }).then(function (kit) {
      var where = $("[data-where]");
      var spot = kit && kit.catalogue.windows[page.window_id];
      var item = kit && kit.catalogue.items[page.service_item_id];
      if (where && spot) { where.textContent = spot.title + (item ? " · " + item.name : ""); }
      var none = $("[data-no-guide]");
      if (!none || !item || !item.materials.length) { return; }
      item.materials.forEach(function (m) {
        var label = document.createElement("label");
        var box = document.createElement("input");
        var text = document.createElement("span");
        label.className = "opt material";  // as templates/visits/types/materials.html
        box.type = "checkbox";
        box.name = "material";
        box.value = m.id;
        box.checked = draft.materials.ticked.indexOf(m.id) >= 0;
        text.append(m.name);
        [[m.abolished, "badge warn", none.dataset.abolished], [!m.abolished && m.sharing, "badge", none.dataset.sharing],
          [m.condition, "condition muted small", m.condition]].forEach(function (part) {
          if (!part[0]) { return; }
          var span = document.createElement("span");
          span.className = part[1];
          span.textContent = part[2];
          if (part[1] !== "condition muted small") { text.append(" "); }
          text.append(span);
        });
        label.append(box, text);
        none.before(label);
      });
      none.remove();
    });
  }

  function initVisit(page) {
    page = adopt(page);
    var draft = drafts.open(page);
    var link = drafts.connect(page, draft);
    describe(page, draft);
    var returned = $("[data-returned]");  // offline, the kept page learns it from the phone's copy
    if (returned && page.return_comment) {
      $("span", returned).textContent = page.return_comment;
      returned.hidden = false;
    }
    var say = link.say;
    var sync = link.sync;
    var changed = link.changed;

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
          if (b.dataset.mark === "arrived" && !draft.position) { arrivedHere(); }
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

    /* Position: asked for on a tap, never on page load; the "arrived" tap records it too
     * unless the phone has refused it (then the link beside it asks again). */
    var place = $("[data-position]");
    function arrivedHere() {
      var ask = function () {
        locate(function (p) { draft.position = p; changed(); showPosition(); }, function () { /* the link stays */ });
      };
      if (navigator.permissions && navigator.permissions.query) {
        navigator.permissions.query({ name: "geolocation" }).then(function (s) { if (s.state !== "denied") { ask(); } }, ask);
      } else { ask(); }
    }
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
      sync: sync, say: say, page: page, newUuid: newUuid, refresh: link.refresh,
      csrf: link.csrf,
      stored: function () { return Promise.resolve(); }  // photo.js: photos all kept on the phone
    };

    /* Checklist page. */
    var form = $("#checklist");
    if (form) { initChecklist(form); }

    function initChecklist(form) {
      var questions = $all("[data-q]", form);

      /* How each question type's input is read and filled in, keyed by the type's name
       * (app/services/checklists/types.py). read() gives the answer (null: none), or undefined
       * for a type whose data is kept elsewhere in the draft (marks, materials, photos). */
      function chosen(inputs) { return inputs.filter(function (i) { return i.checked; }); }
      function one(inputs) { var on = chosen(inputs)[0]; return on ? on.value : null; }
      function fill(q, value, inputs) {
        inputs.forEach(function (i) {
          if (i.type === "radio") { i.checked = value !== null && value !== undefined && String(value) === i.value; }
          else if (i.type === "checkbox") { i.checked = Array.isArray(value) && value.indexOf(i.value) >= 0; }
          else { i.value = value === null || value === undefined ? "" : value; }
        });
      }
      function typed(inputs) { return inputs[0].value; }
      var types = {
        yesno: { read: function (inputs) { var v = one(inputs); return v === null ? null : v === "true"; }, write: fill },
        single: { read: one, write: fill },
        multi: { read: function (inputs) { return chosen(inputs).map(function (i) { return i.value; }); }, write: fill },
        scale: { read: function (inputs) { var v = one(inputs); return v === null ? null : Number(v); }, write: fill },
        number: { read: function (inputs) { return inputs[0].value === "" ? null : Number(inputs[0].value); }, write: fill },
        text: { read: typed, write: fill },
        textarea: { read: typed, write: fill },
        materials: {
          write: function (q) {
            $all("input[name=material]", q).forEach(function (i) {
              i.checked = draft.materials.ticked.indexOf(Number(i.value)) >= 0;
            });
            $("#extra-materials").value = (draft.materials.extra || []).join("\n");
          }
        },
        photo: {},  // photo.js sends and shows the photos
        timer: {
          write: function (q) {
            $all("[data-mark-edit]", q).forEach(function (i) { i.value = draft.marks[i.dataset.markEdit] ? clockInput(draft.marks[i.dataset.markEdit]) : ""; });
          }
        }
      };
      function inputsOf(q) { return $all("input[name^='q-'], textarea[name^='q-']", q); }
      function read(q) {
        var type = types[q.dataset.type] || {};
        return type.read ? type.read(inputsOf(q)) : undefined;
      }
      function write(q, value) {
        var type = types[q.dataset.type] || {};
        if (type.write) { type.write(q, value, inputsOf(q)); }
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
        if ($("[data-verdicts]", form)) {  // a re-visit: its verdict on each point
          draft.verdicts = {};
          $all("input[data-verdict]", form).forEach(function (i) { if (i.checked) { draft.verdicts[i.dataset.verdict] = i.value; } });
        }
        draft.materials = {
          ticked: $all("input[name=material]", form).filter(function (i) { return i.checked; }).map(function (i) { return Number(i.value); }),
          extra: ($("#extra-materials") ? $("#extra-materials").value : "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean)
        };
      }

      questions.forEach(function (q) { write(q, draft.answers[q.dataset.q]); });
      $all("input[data-verdict]", form).forEach(function (i) { i.checked = (draft.verdicts || {})[i.dataset.verdict] === i.value; });
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
          var q = $("[data-q='" + key + "'], [data-point='" + key + "']", form);
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
          first = first || el.closest("[data-q], [data-point]") || el;
        });
        if (first) { first.scrollIntoView({ block: "center" }); }
      }

      /* Submit: queued on the phone first, then sent by queue.js now or when the connection
       * is back (draft, photos, then the submit itself, each exactly once). */
      function lock(on) {
        $all("input, textarea, button", form).forEach(function (el) { el.disabled = on; });
      }
      window.RuwoQueue.watch(page.uuid, function (kind, data) {
        if (kind === "submitted") {
          draft.submitted = true;
          location.href = data.view || page.urls.view;
        } else if (kind === "invalid" || kind === "refused") {  // no longer queued: the server said why
          draft.queued = false;
          lock(false);
          say(kind, data.problems ? "" : data.message);
          showProblems(data.problems);
        } else {
          say(kind === "offline" ? "queued" : kind, data && data.message);
        }
      });
      if (draft.queued) { lock(true); }
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        collect();
        changed();
        link.hold();
        lock(true);
        window.RuwoVisit.stored().then(function () {
          draft.queued = true;
          local.put(draft);
          say("queued");
          window.RuwoQueue.run();
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = $("#visit-data");
    if (data) { initVisit(JSON.parse(data.textContent)); }
  });
}());
