// Omnara dashboard: live updates, shortcuts and small conveniences. Every
// page works without it; this only saves reloads and keystrokes.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var $ = function (sel, root) { return (root || document).querySelector(sel); };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  function fromHTML(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content;
  }
  function replace(id, html) {
    var old = document.getElementById(id);
    if (!old || html === undefined) return;
    var next = fromHTML(html).firstElementChild;
    if (next) old.replaceWith(next);
  }

  document.addEventListener("change", function (e) {
    var form = e.target.form;
    if (form && form.hasAttribute("data-autosubmit")) form.submit();
  });

  document.addEventListener("click", function (e) {
    var copy = e.target.closest("[data-copy]");
    if (copy) {
      var src = $(copy.getAttribute("data-copy"));
      var text = src.value !== undefined ? src.value : src.textContent;
      navigator.clipboard.writeText(text).then(function () {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 1500);
      });
      return;
    }
    var older = e.target.closest("#older a[data-fragment]");
    if (older) {
      e.preventDefault();
      fetch(older.getAttribute("data-fragment"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw r; return r.text(); })
        .then(function (html) { older.parentElement.replaceWith(fromHTML(html)); })
        .catch(function () { location.href = older.href; });
    }
  });

  var zone = $("[data-detect-zone]");
  if (zone && window.Intl) {
    var here = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (here && here !== zone.value) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "secondary small";
      b.textContent = "Use this device's zone (" + here + ")";
      b.addEventListener("click", function () { zone.value = here; });
      zone.insertAdjacentElement("afterend", b);
    }
  }

  // Web Push for this browser: subscribe with the server's key and hand the
  // subscription over.
  var push = $("[data-push-key]");
  if (push && "serviceWorker" in navigator && "PushManager" in window) {
    push.hidden = false;
    push.addEventListener("click", function () {
      var k = push.getAttribute("data-push-key").replace(/-/g, "+").replace(/_/g, "/");
      var raw = atob(k + "===".slice((k.length + 3) % 4));
      var key = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) key[i] = raw.charCodeAt(i);
      Notification.requestPermission().then(function (p) {
        if (p !== "granted") throw new Error("Notifications are blocked for this site.");
        return navigator.serviceWorker.ready;
      }).then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }).then(function (sub) {
        return fetch("/settings/notifications/webpush", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": push.getAttribute("data-csrf") },
          body: JSON.stringify(sub),
        });
      }).then(function (r) {
        if (!r.ok) throw new Error("The server refused the subscription.");
        location.reload();
      }).catch(function (e) { push.textContent = e.message; });
    });
  }

  // Live updates over Server-Sent Events.
  var live = $("[data-live]");
  if (live && window.EventSource) {
    var es = new EventSource(live.getAttribute("data-live"));
    es.onopen = function () { live.classList.remove("live-off"); };
    es.onerror = function () { live.classList.add("live-off"); };
    es.addEventListener("signedout", function () { es.close(); location.href = "/login"; });
    es.addEventListener("deleted", function () { es.close(); location.href = "/"; });
    es.addEventListener("changed", function () {
      fetch(live.getAttribute("data-refresh"), { credentials: "same-origin" })
        .then(function (r) { if (r.redirected || !r.ok) throw r; return r.text(); })
        .then(function (html) {
          replace("instances", html);
          var list = document.getElementById("instances");
          if (!list) return;
          document.title = list.getAttribute("data-title");
          var waiting = +list.getAttribute("data-waiting"), link = $('.top nav a[href="/"]');
          var count = link && $(".count", link);
          if (!waiting && count) count.remove();
          if (waiting && link) {
            if (!count) {
              count = document.createElement("span");
              count.className = "count";
              link.append(" ", count);
            }
            count.textContent = waiting;
            count.setAttribute("aria-label", waiting + " waiting");
          }
        }).catch(function () {});
    });
    es.addEventListener("message", function (e) {
      var m = JSON.parse(e.data), tl = document.getElementById("timeline");
      if (!tl || document.getElementById("m-" + m.seq)) return;
      var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
      var node = fromHTML(m.html), after = null;
      var items = tl.querySelectorAll("li.msg");
      for (var i = items.length - 1; i >= 0; i--) {
        if (+items[i].getAttribute("data-seq") < m.seq) { after = items[i]; break; }
      }
      if (after) after.after(node);
      else if (items.length) items[0].before(node);
      else tl.appendChild(node);
      var steps = $("[data-steps]");
      if (m.step && steps) {
        var n = +steps.getAttribute("data-steps") + 1;
        steps.setAttribute("data-steps", n);
        steps.textContent = n + (n === 1 ? " step" : " steps");
      }
      if (nearBottom) window.scrollTo(0, document.body.scrollHeight);
    });
    es.addEventListener("instance", function (e) {
      var u = JSON.parse(e.data);
      replace("head", u.head);
      replace("diff", u.diff);
      var answer = document.getElementById("answer");
      if (answer && answer.getAttribute("data-key") !== u.answer_key) replace("answer", u.answer);
    });
    window.addEventListener("pagehide", function () { es.close(); });
  }

  // Keyboard: n = next waiting question, r = reply, ? = help.
  var help;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (e.key === "n") {
      var inst = $("[data-instance]");
      location.href = "/next" + (inst ? "?after=" + inst.getAttribute("data-instance") : "");
    } else if (e.key === "r") {
      var box = $("#answer:not([hidden]) textarea") || $("#answer:not([hidden]) .option") || $("#feedback");
      if (box) { e.preventDefault(); box.focus(); }
    } else if (e.key === "?") {
      if (!help) {
        help = document.createElement("dialog");
        help.innerHTML = "<h2>Keyboard shortcuts</h2><p><kbd>n</kbd> next question waiting for you</p>" +
          "<p><kbd>r</kbd> write a reply</p><p><kbd>Esc</kbd> leave a text box</p><form method=dialog><button>Close</button></form>";
        document.body.appendChild(help);
      }
      help.showModal();
    }
  });
})();
