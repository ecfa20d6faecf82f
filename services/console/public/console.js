/* global document, location, setTimeout */
// The console's only script (an ES module, no build step). Pages work without it; it adds
// "select all" on the DLQ list and refreshes the replays page while a replay runs.

for (const box of document.querySelectorAll('input[data-select-all]')) {
  box.addEventListener('change', () => {
    const name = box.getAttribute('data-select-all');
    for (const item of box.form.querySelectorAll(`input[type="checkbox"][name="${name}"]:not(:disabled)`)) item.checked = box.checked;
  });
}

const refreshing = document.querySelector('[data-refresh]');
if (refreshing) {
  const ms = Number(refreshing.getAttribute('data-refresh')) || 2000;
  // Not while the operator is typing in a form on the page.
  setTimeout(function reload() {
    if (document.activeElement && document.activeElement.closest('form')) return setTimeout(reload, ms);
    location.reload();
  }, ms);
}
