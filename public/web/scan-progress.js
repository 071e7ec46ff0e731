// Polls a running scan's progress and goes to the overview when it is done.
// A static file (the Content-Security-Policy allows no inline script).
'use strict';
(function () {
  var box = document.getElementById('scan-progress');
  if (!box) return;
  var url = box.getAttribute('data-progress-url');
  var doneUrl = box.getAttribute('data-done-url') || '/';
  var state = document.getElementById('scan-state');
  var what = document.getElementById('scan-what');
  var bar = document.getElementById('scan-bar');
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        state.textContent = p.state;
        state.setAttribute('data-state', p.state);
        what.textContent = (p.what || '') + ' ' + p.done + '/' + p.total;
        bar.max = Math.max(1, p.total);
        bar.value = p.done;
        if (p.state === 'done') window.location.assign(doneUrl);
        else if (p.state === 'running') setTimeout(tick, 1000);
        else if (p.error) what.textContent = p.error;
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  if (state && state.getAttribute('data-state') === 'running') setTimeout(tick, 500);
})();
