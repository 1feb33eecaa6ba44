/**
 * The script report.html runs at view time: it hands the chart data (report-chart.ts) to Observable Plot, which
 * the page inlines. Plain ES5-style JavaScript in a string: it runs in the reader's browser, not in Node.
 * Each mark's group has a class (mark-baseline, -promoted, -kept, -explored, -reverted, -unmeasured, -champion, -target) and
 * every point a <title>: what people hover, and what the headless-Chromium test reads.
 * Emojis: a browser without an emoji font draws them as empty boxes; the page then hides them (the status
 * words stay), found by drawing one on a canvas and looking for colour.
 */
export const REPORT_CLIENT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  try {
    var cv = document.createElement('canvas');
    cv.width = cv.height = 24;
    var g = cv.getContext('2d');
    g.font = '20px sans-serif';
    g.fillStyle = '#000';
    g.fillText('\u2705', 0, 20);
    var px = g.getImageData(0, 0, 24, 24).data, colour = false;
    for (var k = 0; k < px.length; k += 4) if (px[k + 3] > 0 && (px[k] !== px[k + 1] || px[k + 1] !== px[k + 2])) { colour = true; break; }
    if (!colour) document.body.classList.add('no-emoji');
  } catch (e) { /* no canvas: leave the emojis */ }
  if (typeof Plot === 'undefined') return;
  function pick(points, kind) { return points.filter(function (p) { return p.kind === kind; }); }
  data.charts.forEach(function (c) {
    var host = document.getElementById(c.id);
    if (!host) return;
    try {
      var pct = c.unit === 'percent';
      var fmt = function (v) { return pct ? v.toFixed(1) + ' %' : String(+v.toPrecision(6)); };
      var xy = { x: 'iteration', y: 'y', title: 'title' };
      var marks = [];
      if (c.unmeasured.length) marks.push(Plot.ruleX(c.unmeasured, { x: 'iteration', stroke: '#cf222e', strokeOpacity: 0.5, strokeDasharray: '2 4', strokeWidth: 2, title: 'title', className: 'mark-unmeasured' }));
      if (c.target != null) marks.push(Plot.ruleY([c.target], { stroke: '#bf8700', strokeWidth: 1.5, strokeDasharray: '6 4', title: function () { return 'target ' + fmt(c.target); }, className: 'mark-target' }));
      if (c.champion.length) marks.push(Plot.line(c.champion, { x: 'iteration', y: 'y', curve: 'step-after', stroke: '#1f6feb', strokeWidth: 2.5, className: 'mark-champion' }));
      marks.push(Plot.dot(pick(c.points, 'baseline'), Object.assign({ r: 5, fill: '#1f6feb', className: 'mark-baseline' }, xy)));
      marks.push(Plot.dot(pick(c.points, 'kept'), Object.assign({ r: 5, fill: 'white', stroke: '#1a7f37', strokeWidth: 2, className: 'mark-kept' }, xy)));
      marks.push(Plot.dot(pick(c.points, 'explored'), Object.assign({ r: 5, symbol: 'diamond', fill: 'white', stroke: '#8250df', strokeWidth: 2, className: 'mark-explored' }, xy)));
      marks.push(Plot.dot(pick(c.points, 'promoted'), Object.assign({ r: 6, fill: '#1a7f37', stroke: '#0b3d1a', strokeWidth: 1.5, className: 'mark-promoted' }, xy)));
      marks.push(Plot.dot(pick(c.points, 'reverted'), Object.assign({ r: 6, symbol: 'times', stroke: '#cf222e', strokeWidth: 3, className: 'mark-reverted' }, xy)));
      marks.push(Plot.tip(c.points, Plot.pointer({ x: 'iteration', y: 'y', title: 'title' })));
      var fig = Plot.plot({
        width: 760, height: 320, marginTop: 30, marginLeft: 70, marginBottom: 40,
        style: { fontSize: '12px', background: 'white', color: '#1d232a' },
        x: { label: 'iteration', inset: 12, domain: [0, c.maxIter], ticks: c.xTicks, tickFormat: function (d) { return Number.isInteger(d) ? String(d) : ''; } },
        y: { type: c.log ? 'log' : 'linear', label: c.label, grid: true, nice: true, tickFormat: pct ? fmt : undefined },
        marks: marks,
      });
      host.textContent = '';
      host.appendChild(fig);
      host.setAttribute('data-y-scale', fig.scale('y').type);
      host.setAttribute('data-rendered', 'true');
    } catch (e) {
      host.textContent = 'chart failed: ' + e;
      host.setAttribute('data-rendered', 'error');
    }
  });
})();
`;
