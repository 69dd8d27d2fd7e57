/* The handbook on the phone: installs the service worker, shows what waits in the outbox,
   gives each message a fresh key (a replayed message is stored once), forgets everything on
   log-out. No inline script anywhere: the Content-Security-Policy allows only files from here. */
(function () {
  "use strict";
  var script = document.currentScript;
  var PAGES = "handbook-pages", DB = "handbook-outbox", STORE = "requests";
  var RETRY_MS = 5000, retry = null;

  function freshKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "id", autoIncrement: true}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function onStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve) {
        var req = action(db.transaction(STORE, mode).objectStore(STORE));
        req.onsuccess = function () { db.close(); resolve(req.result); };
        req.onerror = function () { db.close(); resolve(null); };
      });
    }).catch(function () { return null; });
  }

  /* While messages wait, ask the worker to send them every few seconds when the phone says it is
     online: the `online` event is not always fired (nor Background Sync always there). */
  function keepTrying(count) {
    if (count > 0 && !retry) {
      retry = setInterval(function () { if (navigator.onLine) { tellWorker("flush"); } }, RETRY_MS);
    } else if (!count && retry) {
      clearInterval(retry);
      retry = null;
    }
  }

  function showOutbox(count) {
    keepTrying(count);
    var el = document.getElementById("outbox");
    if (!el) { return; }
    if (count > 0) {
      el.textContent = count === 1 ? el.dataset.one : el.dataset.many.replace("%(n)s", count);
      el.classList.remove("note-done");
      el.hidden = false;
    } else if (!el.classList.contains("note-done")) {
      el.hidden = true;
    }
  }

  function showSent(via) {
    keepTrying(0);
    var el = document.getElementById("outbox");
    if (!el) { return; }
    el.dataset.via = via;  // how the replay was triggered: "sync" or "page"
    el.textContent = el.dataset.sent;
    el.classList.add("note-done");
    el.hidden = false;
  }

  function refreshOutbox() {
    return onStore("readonly", function (store) { return store.count(); }).then(function (n) { showOutbox(n || 0); });
  }

  function showNetwork() {
    var el = document.getElementById("net-state");
    if (el) { el.hidden = navigator.onLine; }
  }

  function forget() {
    var jobs = [onStore("readwrite", function (store) { return store.clear(); })];
    if (window.caches) { jobs.push(caches.delete(PAGES)); }
    return Promise.all(jobs);
  }

  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) { if (reg.active) { reg.active.postMessage(message); } });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-client-key")) {
      var key = form.querySelector("input[name=client_key]");
      if (key) { key.value = freshKey(); }
      // a page saved on the phone may carry an old CSRF token: send the browser's current one, so a
      // message that waits in the outbox is accepted when it is replayed
      var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
      var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (csrf && cookie) { csrf.value = decodeURIComponent(cookie[1]); }
    }
    if (form.hasAttribute("data-forget")) {
      event.preventDefault();
      forget().then(function () { form.submit(); }, function () { form.submit(); });
    }
  });

  /* Another account on this phone: what the last one left (saved pages, unsent messages) goes. */
  function sameUser() {
    var who = document.body.dataset.user;
    var last = null;
    if (!who) { return Promise.resolve(); }
    try {
      last = localStorage.getItem("handbook-user");
      localStorage.setItem("handbook-user", who);
    } catch (e) {
      return Promise.resolve();
    }
    return last && last !== who ? forget() : Promise.resolve();
  }

  window.addEventListener("online", function () { showNetwork(); tellWorker("flush"); });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  refreshOutbox();

  if ("serviceWorker" in navigator && script) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "outbox") { return; }
      if (data.sent && !data.left) { showSent(data.via); } else { showOutbox(data.left || 0); }
    });
    sameUser().then(function () {
      return navigator.serviceWorker.register(script.dataset.worker, {scope: script.dataset.scope});
    }).then(function () {
      if (navigator.onLine) {
        tellWorker("flush");
        tellWorker("warm");
        var keep = Array.prototype.map.call(document.querySelectorAll("a[data-keep]"), function (a) { return a.pathname; });
        if (keep.length) { tellWorker({type: "keep", paths: keep}); }
      }
    }).catch(function () { /* no worker (private mode, old browser): the pages still work online */ });
  }
}());
