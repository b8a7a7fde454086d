(function () {
  var buttons = document.querySelectorAll('button.filter');
  var status = document.getElementById('filter-status');
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var v = b.getAttribute('data-verdict');
      var shown = 0;
      buttons.forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
      document.querySelectorAll('article.claim').forEach(function (c) {
        c.hidden = v !== '' && c.getAttribute('data-verdict') !== v;
        if (!c.hidden) shown += 1;
      });
      if (status) status.textContent = shown + ' claims shown' + (v ? ' (' + v + ')' : '') + '.';
    });
  });
})();
