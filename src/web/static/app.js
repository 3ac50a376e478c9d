// paperboy: progressive enhancement only. Every form works without this.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  // Vote without a reload.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("vote") || !window.fetch) return;
    ev.preventDefault();
    var btn = form.querySelector(".vote-btn");
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (r.status === 401) {
        // signed out: the sign-in page says why, and casts the vote on the way back
        return r.json().then(function (j) {
          window.location = j && j.signin ? j.signin :
            "/signin?next=" + encodeURIComponent(location.pathname + location.search);
          return null;
        });
      }
      if (r.status === 403) { form.submit(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (j) {
      if (!j || j.error) return;
      btn.querySelector(".count").textContent = j.upvotes;
      btn.classList.toggle("voted", j.voted);
      btn.setAttribute("aria-pressed", j.voted ? "true" : "false");
    }).catch(function () { form.submit(); });
  });
  // Expand every abstract with the "a" key; cards open one by one otherwise.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "a" || /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
    var all = document.querySelectorAll("details.abstract");
    var open = Array.prototype.some.call(all, function (d) { return !d.open; });
    Array.prototype.forEach.call(all, function (d) { d.open = open; });
  });
})();
