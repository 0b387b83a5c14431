// Herald Studio's own script: small, no inline code (the Content-Security-Policy forbids it).
// Everything here improves pages that work as plain forms too.
(function () {
  'use strict';
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : null;
  }
  function changed(el) {
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }

  // Every htmx request carries the session's CSRF token.
  document.addEventListener('htmx:configRequest', function (e) {
    var t = csrf();
    if (t) { e.detail.headers['X-CSRF-Token'] = t; }
  });

  // --- repeatable groups: add, move, remove; inputs are renumbered so names stay fields.x[0..n] ---
  var ATTRS = ['name', 'id', 'for', 'aria-describedby', 'data-target', 'hx-vals', 'data-name', 'data-for', 'hx-trigger'];
  function renumber(group) {
    var items = group.querySelectorAll(':scope > ol.items > li.item');
    items.forEach(function (li, k) {
      li.querySelectorAll('*').forEach(function (el) {
        ATTRS.forEach(function (a) {
          var v = el.getAttribute(a);
          if (v) {
            el.setAttribute(a, v.replace(/\[(\d+|__i__)\]/g, '[' + k + ']').replace(/-(\d+|__i__)--/g, '-' + k + '--'));
          }
        });
      });
    });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-item]');
    if (!b) { return; }
    var group = b.closest('fieldset.group');
    var list = group.querySelector(':scope > ol.items');
    var li = b.closest('li.item');
    var what = b.getAttribute('data-item');
    if (what === 'add') {
      var t = group.querySelector(':scope > template');
      var node = t.content.firstElementChild.cloneNode(true);
      list.appendChild(node);
      renumber(group);
      if (window.htmx) { window.htmx.process(node); }
      var first = node.querySelector('input, textarea, select');
      if (first) { first.focus(); }
    } else if (what === 'remove') {
      var next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber(group);
      (next ? next.querySelector('button[data-item]') : group.querySelector('button[data-item="add"]')).focus();
    } else if (what === 'up' && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
      renumber(group);
      b.focus();
    } else if (what === 'down' && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
      renumber(group);
      b.focus();
    }
    changed(list);
  });

  // --- references: pick from the search results, remove ---
  document.addEventListener('click', function (e) {
    var pick = e.target.closest('button.pick');
    if (pick) {
      var ul = document.getElementById(pick.getAttribute('data-target'));
      if (!ul) { return; }
      if (ul.tagName === 'TEXTAREA') {
        // A link to another entry in Markdown: its permanent link on the site, which the website
        // renders as a direct link to the entry's page.
        var md = '[' + pick.getAttribute('data-title').replace(/[\[\]]/g, '') + '](' + pick.getAttribute('data-link') + ')';
        var at = ul.selectionStart, to = ul.selectionEnd, text = ul.value;
        ul.value = text.slice(0, at) + md + text.slice(to);
        var panel = pick.closest('.entry-link');
        panel.hidden = true;
        panel.querySelector('.picks').innerHTML = '';
        panel.querySelector('input.picker').value = '';
        ul.closest('.md').querySelector('button.md-entry').setAttribute('aria-expanded', 'false');
        ul.focus();
        ul.setSelectionRange(at + md.length, at + md.length);
        changed(ul);
        return;
      }
      var name = ul.getAttribute('data-name');
      var id = pick.getAttribute('data-id');
      if (ul.querySelector('input[value="' + id + '"]')) { return; }
      if (ul.getAttribute('data-many') !== 'true') { ul.innerHTML = ''; }
      var li = document.createElement('li');
      var h = document.createElement('input');
      h.type = 'hidden'; h.name = name; h.value = id;
      var l = document.createElement('input');
      l.type = 'hidden'; l.name = 'label.' + id; l.value = pick.getAttribute('data-label');
      var s = document.createElement('span');
      s.textContent = pick.getAttribute('data-label');
      var x = document.createElement('button');
      x.type = 'button'; x.className = 'unref'; x.textContent = '×';
      x.setAttribute('aria-label', '× ' + pick.getAttribute('data-label'));
      li.append(h, l, s, ' ', x);
      ul.appendChild(li);
      var box = pick.closest('.refs-box');
      box.querySelector('.picks').innerHTML = '';
      var input = box.querySelector('input.picker');
      input.value = '';
      input.focus();
      changed(ul);
      return;
    }
    var un = e.target.closest('button.unref');
    if (un) {
      var list = un.closest('ul.refs');
      un.closest('li').remove();
      changed(list);
    }
  });

  // --- Markdown toolbar ---
  var MD = {
    bold: ['**', '**'], italic: ['_', '_'], heading: ['\n## ', ''], link: ['[', '](https://)'],
    list: ['\n- ', ''], quote: ['\n> ', '']
  };
  document.addEventListener('click', function (e) {
    var b = e.target.closest('.md-tools button[data-md]');
    if (!b) { return; }
    var ta = document.getElementById(b.closest('.md-tools').getAttribute('data-for'));
    var m = MD[b.getAttribute('data-md')];
    var s = ta.selectionStart, t = ta.selectionEnd, v = ta.value;
    ta.value = v.slice(0, s) + m[0] + v.slice(s, t) + m[1] + v.slice(t);
    ta.focus();
    ta.setSelectionRange(s + m[0].length, t + m[0].length);
    changed(ta);
  });

  // --- the toolbar's link to another entry: a search box under the toolbar ---
  document.addEventListener('click', function (e) {
    var b = e.target.closest('.md-tools button.md-entry');
    if (!b) { return; }
    var panel = document.getElementById(b.getAttribute('aria-controls'));
    var open = panel.hidden;
    panel.hidden = !open;
    b.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) { panel.querySelector('input.picker').focus(); }
  });

  // --- Serbian Cyrillic <-> Latin from the other script's column ---
  document.addEventListener('click', function (e) {
    var b = e.target.closest('button.translit');
    if (!b) { return; }
    var from = document.getElementById(b.getAttribute('data-from'));
    var to = document.getElementById(b.getAttribute('data-to'));
    if (!from || !to) { return; }
    var body = new URLSearchParams({ text: from.value, to: b.getAttribute('data-script') });
    fetch('/studio/transliterate', {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf() || '' }
    }).then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) { to.value = text; changed(to); to.focus(); });
  });

  // --- the locale chooser sends one comma-separated list ---
  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains('locales')) { return; }
    e.preventDefault();
    var chosen = Array.prototype.map.call(f.querySelectorAll('input[name="l"]:checked'), function (i) { return i.value; });
    var action = (e.submitter && e.submitter.getAttribute('formaction')) || f.getAttribute('action') || location.pathname;
    location.href = action + '?locales=' + encodeURIComponent(chosen.join(','));
  });
})();
