/* The handbook's service worker. The server puts `const CONFIG = {...}` above this code:
   version, scope, offline page, shell files, pages to keep, log-in path.

   - the shell (CSS, JS, icons, offline page) is cached at install, cache-first;
   - handbook pages are network-first: each successful visit refreshes the copy kept on the
     phone, and with no network the copy is shown (or the offline page);
   - the outbox: a POST inside the handbook that cannot reach the server is kept in IndexedDB and
     replayed, in order, when the network returns (Background Sync where the browser has it,
     else a "flush" message the pages send on their `online` event and on every load). */
"use strict";
var SHELL = "handbook-shell-" + CONFIG.version;
var PAGES = "handbook-pages";
var DB = "handbook-outbox", STORE = "requests";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(CONFIG.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("handbook-shell-") === 0 && key !== SHELL;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname.indexOf(CONFIG.scope) === 0) {
    event.respondWith(sendOrKeep(request));
  } else if (request.method === "GET" && CONFIG.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) { return hit || fetch(request); }));
  } else if (request.method === "GET" && request.mode === "navigate" && url.pathname.indexOf(CONFIG.scope) === 0) {
    event.respondWith(networkFirst(request, url));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    // rejecting makes the browser try again later
    event.waitUntil(flush("sync").then(function (left) { if (left) { throw new Error("outbox not empty"); } }));
  }
});

self.addEventListener("message", function (event) {
  if (event.data === "flush") { event.waitUntil(flush("page")); }
  if (event.data === "warm") { event.waitUntil(warm()); }
  if (event.data && event.data.type === "keep") { event.waitUntil(warmPaths(event.data.paths || [])); }
});

function keep(cache, key, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    return cache.put(key, response.clone()).then(function () { return response; });
  }
  return Promise.resolve(response);
}

function networkFirst(request, url) {
  return caches.open(PAGES).then(function (cache) {
    return fetch(request).then(function (response) {
      return keep(cache, url.pathname, response);
    }, function () {
      return cache.match(url.pathname).then(function (hit) {
        return hit || caches.match(CONFIG.offline).then(function (page) { return page || Response.error(); });
      });
    });
  });
}

/* The pages the member will want without network, fetched once if the phone has no copy yet. */
function warm() {
  return warmPaths(CONFIG.warm);
}

/* Pages the open page asks to keep (its links marked data-keep: the next meetings, the bookmarked
   documents), fetched once when the phone has no copy. */
function warmPaths(list) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(list.filter(function (path) { return path.indexOf(CONFIG.scope) === 0; }).map(function (path) {
      return cache.match(path).then(function (hit) {
        if (hit) { return null; }
        return fetch(path, {credentials: "same-origin"}).then(function (response) {
          return keep(cache, path, response);
        }).catch(function () { return null; });
      });
    }));
  });
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
    return new Promise(function (resolve, reject) {
      var req = action(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = function () { db.close(); resolve(req.result); };
      req.onerror = function () { db.close(); reject(req.error); };
    });
  });
}

function sendOrKeep(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.text().then(function (body) {
      return onStore("readwrite", function (store) {
        return store.add({url: copy.url, body: body, at: Date.now(),
                          type: copy.headers.get("Content-Type") || "application/x-www-form-urlencoded"});
      });
    }).then(function () {
      if (self.registration.sync) {
        return self.registration.sync.register("outbox").catch(function () { return null; });
      }
      return null;
    }).then(function () {
      announce(0, "");
      // back to the page the message was written on (its saved copy), which shows the outbox note
      var back = copy.referrer && new URL(copy.referrer).origin === self.location.origin ? copy.referrer : CONFIG.scope;
      return Response.redirect(back, 303);
    });
  });
}

var flushing = null;

/* Replay what waits, oldest first; resolves to how many are left. ``via``: "sync" (Background
   Sync) or "page" (a page's online event or load), told to the pages with the result. */
function flush(via) {
  if (!flushing) {
    flushing = replay(via).then(function (left) { flushing = null; return left; },
                             function () { flushing = null; return -1; });
  }
  return flushing;
}

function replay(via) {
  return onStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
    var sent = 0;
    function next(i) {
      if (i >= items.length) { return Promise.resolve(0); }
      var item = items[i];
      return fetch(item.url, {method: "POST", body: item.body, credentials: "same-origin",
                              headers: {"Content-Type": item.type}}).then(function (response) {
        var path = new URL(response.url).pathname;
        if (response.status >= 500 || path.indexOf(CONFIG.login) === 0) {
          return items.length - i;  // the server is down or the session ended: keep it for later
        }
        // sent (or refused for good, e.g. a closed conversation): either way it leaves the outbox
        return onStore("readwrite", function (store) { return store.delete(item.id); }).then(function () {
          sent += 1;
          return next(i + 1);
        });
      }, function () { return items.length - i; });
    }
    if (!items.length) { return 0; }
    return next(0).then(function (left) { return announce(sent, via).then(function () { return left; }); });
  });
}

/* Tell the open pages how many were sent and how many still wait. */
function announce(sent, via) {
  return onStore("readonly", function (store) { return store.count(); }).then(function (count) {
    return self.clients.matchAll({type: "window"}).then(function (clients) {
      clients.forEach(function (client) {
        client.postMessage({type: "outbox", sent: sent, left: count, via: via || ""});
      });
    });
  });
}
