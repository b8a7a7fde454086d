(function () {
  var button = document.getElementById('toggle-code');
  if (!button) return;
  function set(open) {
    document.querySelectorAll('details.code').forEach(function (d) { d.open = open; });
    button.setAttribute('aria-pressed', open ? 'true' : 'false');
    button.textContent = open ? 'Hide code' : 'Show code';
  }
  button.addEventListener('click', function () {
    set(button.getAttribute('aria-pressed') !== 'true');
  });
  function fromHash() {
    if (location.hash === '#code') {
      set(true);
      var first = document.querySelector('details.code');
      if (first) first.scrollIntoView();
    }
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
