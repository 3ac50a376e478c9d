// paperboy: progressive enhancement only. Every form works without this.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  // What cannot be undone asks first (data-confirm on its form); listened
  // for before the handlers below, in the capture phase.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var ask = form.getAttribute && form.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);
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
  // Save without a reload (the card's Save button, or the "s" key), and
  // the same button un-saves: the form becomes the un-save form a reload
  // would show (the Saved collection's "remove").
  function setSaved(form, collection) {
    var btn = form.querySelector("button"), act = form.querySelector("input[name=action]");
    if (collection) {
      form.setAttribute("action", "/c/" + collection); // (form.action is the input named "action")
      if (!act) {
        act = document.createElement("input");
        act.type = "hidden";
        act.name = "action";
        form.insertBefore(act, form.firstChild);
      }
      act.value = "remove";
      form.classList.remove("save");
      form.classList.add("unsave");
      btn.textContent = "Saved ✓";
      btn.title = "Remove from your Saved collection (s)";
    } else {
      form.setAttribute("action", "/me/save");
      if (act) act.parentNode.removeChild(act);
      form.classList.remove("unsave");
      form.classList.add("save");
      btn.textContent = "Save";
      btn.title = "Save to your Saved collection (s)";
    }
    btn.setAttribute("aria-pressed", collection ? "true" : "false");
  }
  function save(form) {
    if (!window.fetch) { form.submit(); return; }
    var saving = form.classList.contains("save");
    fetch(form.getAttribute("action"), {
      method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (!r.ok) { form.submit(); return null; }
      return r.json();
    }).then(function (j) {
      if (!j) return;
      if (saving) {
        setSaved(form, j.collection);
        say("Saved to your Saved collection.");
      } else {
        setSaved(form, 0);
        say("Removed from your Saved collection.");
      }
    }).catch(function () { form.submit(); });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !(form.classList.contains("save") || form.classList.contains("unsave"))) return;
    ev.preventDefault();
    save(form);
  });
  // A live region for what the keys did.
  var live = document.createElement("p");
  live.className = "sr";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);
  function say(text) { live.textContent = text; }

  // Keyboard triage: j/k move between the papers, u upvotes, s saves,
  // o opens, a opens every abstract, ? lists the keys.
  var KEYS = [["j", "next paper"], ["k", "previous paper"], ["u", "upvote the paper"], ["s", "save the paper"],
              ["o", "open the paper"], ["a", "open or close every abstract"], ["?", "show these keys"],
              ["Esc", "close this list"]];
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("article.card[data-paper]")); }
  function current() { return document.querySelector("article.card.current"); }
  function move(step) {
    var all = cards();
    if (!all.length) return;
    var at = all.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + step));
    if (at >= 0) all[at].classList.remove("current");
    var c = all[next];
    c.classList.add("current");
    if (!c.hasAttribute("tabindex")) c.setAttribute("tabindex", "-1");
    c.focus({ preventScroll: true });
    c.scrollIntoView({ block: "nearest" });
  }
  var help = null, opener = null;
  function toggleHelp(show) {
    if (!help) {
      help = document.createElement("div");
      help.className = "keys-help";
      help.setAttribute("role", "dialog");
      help.setAttribute("aria-modal", "true");
      help.setAttribute("aria-label", "Keyboard shortcuts");
      help.tabIndex = -1;
      var h = "<h2>Keyboard shortcuts</h2><dl>";
      KEYS.forEach(function (k) { h += "<dt><kbd>" + k[0] + "</kbd></dt><dd>" + k[1] + "</dd>"; });
      help.innerHTML = h + "</dl><button type=\"button\" class=\"btn small\">Close</button>";
      help.querySelector("button").addEventListener("click", function () { toggleHelp(false); });
      document.body.appendChild(help);
    }
    if (show && help.hidden) opener = document.activeElement;
    help.hidden = !show;
    if (show) {
      help.focus();
    } else if (opener && document.contains(opener)) {
      // back where the list was asked for, not on the page's body
      opener.focus({ preventScroll: true });
      opener = null;
    }
  }
  toggleHelp(false);
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName) || document.activeElement.isContentEditable) return;
    var c = current();
    switch (ev.key) {
    case "a":
      var all = document.querySelectorAll("details.abstract");
      var open = Array.prototype.some.call(all, function (d) { return !d.open; });
      Array.prototype.forEach.call(all, function (d) { d.open = open; });
      break;
    case "j": move(1); break;
    case "k": move(-1); break;
    case "u":
      if (!c) return;
      var vote = c.querySelector("form.vote");
      if (vote) { vote.requestSubmit ? vote.requestSubmit() : vote.submit(); say("Vote sent."); }
      break;
    case "s":
      if (!c) return;
      var sv = c.querySelector("form.save, form.unsave");
      if (sv) save(sv);
      else window.location = "/signin?next=" + encodeURIComponent(location.pathname + location.search);
      break;
    case "o":
    case "Enter":
      if (!c || (ev.key === "Enter" && document.activeElement !== c)) return;
      var a = c.querySelector(".title a");
      if (a) window.location = a.href;
      break;
    case "?": toggleHelp(help.hidden); break;
    case "Escape": if (help && !help.hidden) toggleHelp(false); else return; break;
    default: return;
    }
    ev.preventDefault();
  });
  // Math: KaTeX (served by paperboy when it has it) renders the TeX in
  // titles, abstracts, summaries and comments; the page holds the TeX
  // source, so it reads without this. $$..$$, \[..\] and \(..\) as
  // auto-render finds them; $..$ when the opening $ is followed by a
  // non-space, the closing one follows a non-space and is not followed by
  // a digit (so "from $5 to $10" stays prose). A bad formula stays text.
  function dollars(s) {
    var out = "", i = 0, n = s.length;
    while (i < n) {
      var c = s.charAt(i);
      if (c === "\\") { out += s.substr(i, 2); i += 2; continue; }
      if (c !== "$") { out += c; i++; continue; }
      if (s.charAt(i + 1) === "$") { // display math: auto-render's
        var e = s.indexOf("$$", i + 2);
        if (e < 0) { out += s.substr(i); break; }
        out += s.substring(i, e + 2); i = e + 2; continue;
      }
      var j = -1;
      if (i + 1 < n && !/\s/.test(s.charAt(i + 1))) {
        for (var k = i + 2; k < n; k++) {
          var d = s.charAt(k);
          if (d === "\\") { k++; continue; }
          if (d === "$" && !/\s/.test(s.charAt(k - 1)) && !/[0-9]/.test(s.charAt(k + 1))) { j = k; break; }
        }
      }
      if (j < 0) { out += c; i++; continue; }
      out += "\\(" + s.substring(i + 1, j) + "\\)";
      i = j + 1;
    }
    return out;
  }
  function math() {
    if (!window.renderMathInElement) return;
    var els = document.querySelectorAll(".card .title a, .card .abstract p, .card .tldr, .paper-head h1, " +
      ".paper .summary, .paper .abstract-full, .comment .md");
    Array.prototype.forEach.call(els, function (el) {
      if (!/[$\\]/.test(el.textContent)) return;
      var walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, null), t, nodes = [];
      while ((t = walk.nextNode())) nodes.push(t);
      nodes.forEach(function (node) {
        if (node.nodeValue.indexOf("$") < 0 || node.parentNode.closest("code, pre")) return;
        var v = dollars(node.nodeValue);
        if (v !== node.nodeValue) node.nodeValue = v;
      });
      window.renderMathInElement(el, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "\\(", right: "\\)", display: false }
        ],
        throwOnError: false
      });
    });
  }
  math();
  // A pasted abstract is too long for an address: the search goes as a POST
  // (the page answers both; without this, GET works up to the URL limit).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.getAttribute || form.getAttribute("role") !== "search") return;
    var q = form.querySelector('input[name="q"]');
    if (q && q.value.length > 1500) form.method = "post";
  });
})();
