// Herald Studio's own script: small, no inline code (the Content-Security-Policy forbids it).
(function () {
  'use strict';
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : null;
  }
  // Every htmx request carries the session's CSRF token.
  document.addEventListener('htmx:configRequest', function (e) {
    var t = csrf();
    if (t) { e.detail.headers['X-CSRF-Token'] = t; }
  });
})();
