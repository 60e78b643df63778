/**
 * The report's only script (inlined, no dependencies): a crosshair with a readout of row, time
 * and the drawn values under the pointer, and highlighting of an event when its table row is
 * clicked. The charts are complete without it. Values are read back from the drawn paths, so
 * no second copy of the data is embedded.
 */
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var meta = JSON.parse(document.getElementById('report-meta').textContent);
  var readout = document.getElementById('readout');
  var charts = Array.prototype.slice.call(document.querySelectorAll('svg[data-hover]'));
  var parsed = new WeakMap();

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = '0' + n; return n; }
  function fmtTime(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }
  function fmt(v) {
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
    return String(Number(v.toPrecision(5)));
  }
  function plotOf(svg) {
    var p = svg.getAttribute('data-plot').split(' ').map(Number);
    return { left: p[0], top: p[1], width: p[2], height: p[3] };
  }
  function pathsOf(svg) {
    var known = parsed.get(svg);
    if (known) return known;
    known = Array.prototype.slice.call(svg.querySelectorAll('path')).map(function (path) {
      var xs = [], ys = [], re = /[ML](-?[\d.]+) (-?[\d.]+)/g, m;
      var d = path.getAttribute('d');
      while ((m = re.exec(d)) !== null) { xs.push(Number(m[1])); ys.push(Number(m[2])); }
      return { name: path.getAttribute('data-name') || '', xs: xs, ys: ys };
    });
    parsed.set(svg, known);
    return known;
  }
  function toValue(svg, plot, py) {
    var y0 = Number(svg.getAttribute('data-y0')), y1 = Number(svg.getAttribute('data-y1'));
    var f = (plot.top + plot.height - py) / plot.height;
    if (svg.getAttribute('data-ylog') === '1') return Math.pow(10, Math.log10(y0) + f * (Math.log10(y1) - Math.log10(y0)));
    return y0 + f * (y1 - y0);
  }
  function valuesNear(svg, plot, px) {
    var out = [];
    pathsOf(svg).forEach(function (p) {
      var lo = 0, hi = p.xs.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (p.xs[mid] < px - 0.5) lo = mid + 1; else hi = mid; }
      var min = Infinity, max = -Infinity;
      for (var i = lo; i < p.xs.length && p.xs[i] <= px + 0.5; i++) {
        var v = toValue(svg, plot, p.ys[i]);
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min <= max) out.push((p.name ? p.name + ' ' : '') + (min === max ? fmt(min) : fmt(min) + ' .. ' + fmt(max)));
    });
    return out;
  }
  function hide() {
    readout.style.display = 'none';
    charts.forEach(function (c) { c.querySelector('.crosshair').setAttribute('visibility', 'hidden'); });
  }
  function onMove(evt) {
    var svg = evt.currentTarget, plot = plotOf(svg), box = svg.getBoundingClientRect();
    var px = (evt.clientX - box.left) * (Number(svg.viewBox.baseVal.width) / box.width);
    if (px < plot.left || px > plot.left + plot.width) { hide(); return; }
    var group = svg.getAttribute('data-hover');
    var x0 = Number(svg.getAttribute('data-x0')), x1 = Number(svg.getAttribute('data-x1'));
    var x = Math.round(x0 + (px - plot.left) / plot.width * (x1 - x0));
    var lines = [];
    if (group === 'rows') {
      lines.push('row ' + (meta.rows > plot.width ? '~' : '') + x);
      var t = meta.times ? meta.times[Math.round(px - plot.left)] : null;
      if (t !== null && t !== undefined) lines.push(fmtTime(t));
    } else {
      lines.push('epoch ' + x);
    }
    charts.forEach(function (c) {
      if (c.getAttribute('data-hover') !== group) return;
      var cross = c.querySelector('.crosshair');
      cross.setAttribute('x1', px); cross.setAttribute('x2', px); cross.setAttribute('visibility', 'visible');
      var values = valuesNear(c, plotOf(c), px);
      if (values.length) lines.push(c.getAttribute('aria-label') + ': ' + values.join(', '));
    });
    readout.textContent = lines.join('\n');
    readout.style.display = 'block';
    var left = evt.clientX + 14;
    if (left + readout.offsetWidth > window.innerWidth) left = evt.clientX - readout.offsetWidth - 14;
    readout.style.left = left + 'px';
    readout.style.top = (evt.clientY + 14) + 'px';
  }
  charts.forEach(function (c) {
    c.addEventListener('mousemove', onMove);
    c.addEventListener('mouseleave', hide);
  });
  Array.prototype.slice.call(document.querySelectorAll('tr.event-row')).forEach(function (row) {
    row.addEventListener('click', function () {
      var id = row.getAttribute('data-event');
      Array.prototype.slice.call(document.querySelectorAll('.event-mark')).forEach(function (mark) {
        mark.classList.toggle('selected', mark.getAttribute('data-event') === id);
      });
      document.getElementById('score-panel').scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
  });
})();
`;
