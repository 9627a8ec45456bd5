/* Ruwo visit pages: start, timer, position, checklist. visit-draft.js (loaded first) keeps
 * the draft on the phone and sends it. */
(function () {
  "use strict";

  var KEEP_MS = 7 * 24 * 3600 * 1000;
  var MARKS = ["arrived", "ticket", "called", "served", "finished"];
  var drafts = window.RuwoDraft;
  var $ = drafts.$;
  var $all = drafts.$all;
  var local = drafts.local;
  var newUuid = drafts.newUuid;

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
    var draft = drafts.open(page);
    var link = drafts.connect(page, draft);
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
      sync: sync, say: say, page: page, newUuid: newUuid, refresh: link.refresh,
      csrf: link.csrf,
      pendingPhotos: function () { return 0; }  // photo.js replaces it on the checklist
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

      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var button = $("[data-submit]", form);
        if (window.RuwoVisit.pendingPhotos() > 0) { say("photos"); return; }
        button.disabled = true;
        collect();
        changed();
        link.hold();
        sync().then(function (saved) {
          // "submitted": an earlier submit arrived but its answer was lost; the same submit
          // again is answered with the same visit.
          if (!saved) { button.disabled = false; return null; }
          return link.send(page.urls.submit, "POST").then(function (r) {
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
