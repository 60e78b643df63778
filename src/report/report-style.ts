/** The report's stylesheet, inlined so the file opens offline. Colours are shared with the legend. */
export const REPORT_STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6675; --rule: #d8dde4; --event: #d62728; --label: #e6a100; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 20px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 14px 0 4px; font-weight: 600; }
.source { color: var(--muted); margin: 0 0 12px; word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 12px; }
.panel { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px 4px; margin: 8px 0; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0; }
svg { display: block; width: 100%; height: auto; overflow: visible; }
svg text { font-size: 11px; fill: var(--muted); }
.plot-area { fill: #fff; stroke: var(--rule); }
.grid { stroke: #eef0f3; }
.tick-mark { stroke: var(--muted); }
.series-line { fill: none; stroke: #1f4e79; stroke-width: 1; }
.score-line { fill: none; stroke: #6a3d9a; stroke-width: 1; }
.threshold { fill: none; stroke: var(--event); stroke-width: 1.2; stroke-dasharray: 5 3; }
.loss-line { fill: none; stroke: #1f4e79; stroke-width: 1.5; }
.val-loss-line { fill: none; stroke: #e67e22; stroke-width: 1.5; }
.best-epoch { fill: #2e7d32; fill-opacity: 0.6; }
.event-mark, .event-band { fill: var(--event); fill-opacity: 0.18; }
.event-mark.selected { fill-opacity: 0.5; }
.label-band { fill: var(--label); fill-opacity: 0.28; }
.train-band { fill: #8a94a3; fill-opacity: 0.14; }
.flag-mark { fill: var(--event); }
.crosshair { stroke: #333; stroke-width: 0.6; pointer-events: none; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin: 6px 0; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
.swatch.line { height: 2px; vertical-align: 3px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
table.settings th { width: 30%; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.event-row { cursor: pointer; }
tr.event-row:hover { background: #fbeaea; }
.yes { color: #2e7d32; font-weight: 600; }
.no { color: var(--event); font-weight: 600; }
.bar { display: inline-block; height: 8px; background: var(--event); opacity: 0.6; margin-right: 4px; vertical-align: 0; }
#readout { position: fixed; pointer-events: none; background: rgba(29, 36, 48, 0.92); color: #fff; font-size: 12px;
  padding: 6px 8px; border-radius: 4px; white-space: pre; display: none; z-index: 10; }
footer { color: var(--muted); font-size: 12px; margin: 28px 0 8px; }
`;
