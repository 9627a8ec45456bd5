/* Ruwo photos: downscale on the phone, keep in IndexedDB until uploaded, show progress.
 *
 * A photo is drawn into a canvas at ≤ 2048 px on the long edge and sent as JPEG (HEIC, which
 * a browser cannot draw, is sent as it is). Each photo gets a UUID here, so a retried upload
 * finds the same photo on the server. Until the server has it, the photo waits in IndexedDB.
 */
(function () {
  "use strict";

  var LONG_EDGE = 2048;
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  var outbox = window.RuwoDraft.outbox;

  function shrink(file) {
    var heic = /hei[cf]/i.test(file.type) || /\.hei[cf]$/i.test(file.name);
    if (heic || !window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }, function () { return file; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var visit = window.RuwoVisit;
    var inputs = $all("[data-photo-input]");
    if (!visit || !inputs.length) { return; }
    var page = visit.page;
    var tpl = $("#photo-tile");
    var messages = $("#photo-messages");
    var tiles = {};

    function count() { return Object.keys(tiles).length; }
    var storing = [];  // photos being shrunk, not yet in IndexedDB
    visit.stored = function () { return Promise.all(storing); };
    function queued() { return (window.RuwoDraft.local.get(page.uuid) || {}).queued; }  // queue.js sends them

    function tile(uuid, question, src) {
      var list = $("[data-photo-list='" + question + "']") || $("[data-photo-list]");
      var li = tpl.content.firstElementChild.cloneNode(true);
      $("img", li).src = src;
      list.appendChild(li);
      tiles[uuid] = li;
      $("[data-photo-remove]", li).addEventListener("click", function () { remove(uuid); });
      return li;
    }

    function forget(uuid) {
      if (tiles[uuid]) { URL.revokeObjectURL($("img", tiles[uuid]).src); tiles[uuid].remove(); delete tiles[uuid]; }
      return outbox("readwrite", function (store) { store.delete(uuid); });
    }

    function remove(uuid) {
      var li = tiles[uuid];
      if (li && li.dataset.pending) { forget(uuid); return; }
      fetch(page.urls.photo.replace("PHOTO", uuid), {
        method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": visit.csrf(), "Accept": "application/json" }
      }).then(function (r) { if (r.ok || r.status === 404) { forget(uuid); } else if (r.status === 401) { visit.say("login"); } });
    }

    function upload(item) {
      var li = tiles[item.uuid];
      var bar = $("progress", li);
      var error = $(".photo-error", li);
      li.dataset.pending = "1";
      bar.hidden = false;
      error.hidden = true;
      $("[data-photo-retry]", li).hidden = true;
      return visit.sync().then(function (saved) {
        if (!saved) { failed(item); return; }
        var form = new FormData();
        form.append("file", item.blob, item.name);
        form.append("photo_uuid", item.uuid);
        form.append("question_key", item.question);
        form.append("taken_at", String(item.takenAt || ""));
        var xhr = new XMLHttpRequest();
        xhr.open("POST", page.urls.photos);
        xhr.setRequestHeader("X-CSRFToken", visit.csrf());
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) { bar.value = 100 * ev.loaded / ev.total; } };
        xhr.onload = function () {
          var data = {};
          try { data = JSON.parse(xhr.responseText); } catch (e) { /* keep {} */ }
          if ((xhr.status === 200 || xhr.status === 201) && data.uuid === item.uuid) {
            delete li.dataset.pending;
            bar.hidden = true;
            URL.revokeObjectURL($("img", li).src);
            $("img", li).src = data.thumb;
            outbox("readwrite", function (store) { store.delete(item.uuid); });
          } else if (xhr.status === 401) {
            visit.say("login");
            failed(item);
          } else if (xhr.status === 400 && data.reason === "csrf" && !item.retried) {
            item.retried = true;  // a stale token (a new login elsewhere): fetch one and send again
            visit.refresh().then(function () { upload(item); }, function () { visit.say("login"); failed(item); });
          } else if (xhr.status === 400 && data.message) {
            error.textContent = data.message;  // refused for good: not a photo, too large...
            error.hidden = false;
            bar.hidden = true;
            outbox("readwrite", function (store) { store.delete(item.uuid); });
          } else {
            failed(item);
          }
        };
        xhr.onerror = function () { failed(item); };
        xhr.send(form);
      });
    }

    function failed(item) {
      var li = tiles[item.uuid];
      $("progress", li).hidden = true;
      var retry = $("[data-photo-retry]", li);
      retry.hidden = false;
      retry.onclick = function () { upload(item); };
      $(".photo-error", li).textContent = messages.dataset.failed;
      $(".photo-error", li).hidden = false;
    }

    page.photos.forEach(function (p) { tile(p.uuid, p.question_key, p.thumb); });

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        Array.prototype.forEach.call(input.files, function (file) {
          if (count() >= page.max_photos) { alert(messages.dataset.limit); return; }
          var item = { uuid: visit.newUuid(),
            visit: page.uuid, question: input.dataset.photoInput, name: file.name || "photo.jpg",
            takenAt: file.lastModified };
          tile(item.uuid, item.question, URL.createObjectURL(file));
          var kept = shrink(file).then(function (blob) {
            item.blob = blob;
            if (blob !== file) { item.name = item.name.replace(/\.[^.]*$/, "") + ".jpg"; }
            if (navigator.storage && navigator.storage.persist) { navigator.storage.persist(); }
            return outbox("readwrite", function (store) { store.put(item); });
          });
          storing.push(kept.catch(function () { return null; }));
          kept.then(function () { return upload(item); });
        });
        input.value = "";
      });
    });

    // Photos taken earlier that never reached the server.
    outbox("readonly", function (store) { return store.getAll(); }).then(function (items) {
      (items || []).filter(function (i) { return i.visit === page.uuid; }).forEach(function (item) {
        if (tiles[item.uuid]) { return; }
        tile(item.uuid, item.question, URL.createObjectURL(item.blob));
        if (queued()) { tiles[item.uuid].dataset.pending = "1"; } else { upload(item); }
      });
    });
    window.addEventListener("online", function () {
      if (queued()) { return; }
      $all("[data-photo-retry]").forEach(function (b) { if (!b.hidden && b.onclick) { b.onclick(); } });
    });
  });
}());
