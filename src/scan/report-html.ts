/**
 * A self-contained HTML report: the compliance score overall and per type, environment and
 * team (inline SVG bar charts and tables), and a filterable table of the objects with their
 * findings and suggested names. Everything is inline (CSS, SVG, a small script) and a Content
 * Security Policy forbids every fetch, so the file opens anywhere without a network.
 *
 * The filter lives in the URL fragment — `#filter=noncompliant&type=aws_s3_bucket&q=sales` —
 * so a link (or a headless browser) can open the report already filtered. `filter` is `all`,
 * `failing`, `noncompliant`, `compliant` or `managed`. Pure.
 */
import type { ObjectResult, ScanReport, ScoreRow } from "./types.js";

/** Escape text for HTML content and attribute values. */
export function htmlEscape(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const FILTERS = [
  ["all", "All"],
  ["failing", "Failing"],
  ["noncompliant", "Noncompliant"],
  ["compliant", "Compliant"],
  ["managed", "Managed"],
] as const;

const tone = (score: number) => (score >= 90 ? "good" : score >= 70 ? "fair" : "poor");

function barChart(id: string, title: string, rows: ScoreRow[]): string {
  const barH = 22;
  const gap = 8;
  const labelW = 190;
  const barW = 360;
  const height = Math.max(1, rows.length) * (barH + gap) + gap;
  const bars = rows
    .map((r, i) => {
      const y = gap + i * (barH + gap);
      const w = Math.round((r.score / 100) * barW);
      return [
        `<text x="${labelW - 8}" y="${y + barH / 2 + 4}" text-anchor="end" class="lbl">${htmlEscape(r.key)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${barW}" height="${barH}" class="track"/>`,
        `<rect x="${labelW}" y="${y}" width="${w}" height="${barH}" class="bar ${tone(r.score)}"><title>${htmlEscape(`${r.key}: ${r.score}% (${r.passing}/${r.total})`)}</title></rect>`,
        `<text x="${labelW + barW + 8}" y="${y + barH / 2 + 4}" class="val">${r.score}% (${r.passing}/${r.total})</text>`,
      ].join("");
    })
    .join("");
  return `<figure class="chart"><figcaption>${htmlEscape(title)}</figcaption><svg id="${id}" role="img" aria-label="${htmlEscape(title)}" viewBox="0 0 ${labelW + barW + 110} ${height}" width="${labelW + barW + 110}" height="${height}">${bars}</svg></figure>`;
}

function scoreTable(title: string, rows: ScoreRow[], cls: string): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${htmlEscape(r.key)}</td><td class="num">${r.total}</td><td class="num">${r.passing}</td><td class="num ${tone(r.score)}">${r.score}%</td></tr>`,
    )
    .join("");
  return `<table class="scores ${cls}"><caption>${htmlEscape(title)}</caption><thead><tr><th>${htmlEscape(title.replace(/^By /, ""))}</th><th>objects</th><th>pass</th><th>score</th></tr></thead><tbody>${body}</tbody></table>`;
}

function objectRow(o: ObjectResult): string {
  const search = [
    o.type,
    o.full_name,
    o.suggested_name ?? "",
    ...o.findings.map((f) => `${f.rule_id} ${f.message}`),
  ]
    .join(" ")
    .toLowerCase();
  const reasons = o.findings.length
    ? `<ul>${o.findings
        .map(
          (f) =>
            `<li class="${f.level}"><span class="rule" title="${htmlEscape(f.level)}">${htmlEscape(f.rule_id)}</span> ${htmlEscape(f.message)}${f.hint ? ` <span class="hint">${htmlEscape(f.hint)}</span>` : ""}</li>`,
        )
        .join("")}</ul>`
    : "—";
  const status = `<span class="badge ${o.status}">${o.status}</span>${o.passing ? "" : o.status === "noncompliant" ? "" : ' <span class="badge failing">tags</span>'}`;
  return `<tr data-id="${htmlEscape(o.id)}" data-status="${o.status}" data-passing="${o.passing}" data-type="${htmlEscape(o.type)}" data-search="${htmlEscape(search)}"><td>${status}</td><td>${htmlEscape(o.type)}</td><td class="name">${htmlEscape(o.full_name)}</td><td>${reasons}</td><td class="name">${o.suggested_name ? htmlEscape(o.suggested_name) : "—"}</td></tr>`;
}

const CSS = `
:root{--fg:#1d2430;--muted:#5b6574;--line:#d9dee6;--bg:#f6f8fb;--good:#2f8f46;--fair:#c98a10;--poor:#c4352b;--accent:#2b5fab}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1240px;margin:0 auto;padding:16px 24px}header h1{margin:8px 0 4px;font-size:24px}.meta{color:var(--muted);margin:0}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:150px}
.card .big{display:block;font-size:34px;font-weight:700}.card .small{color:var(--muted)}
.good{color:var(--good)}.fair{color:var(--fair)}.poor{color:var(--poor)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:16px 0}h2{font-size:18px;margin:4px 0 12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{margin:0}.chart figcaption{font-weight:600;margin-bottom:4px}
svg .lbl,svg .val{font-size:12px;fill:var(--fg)}svg .track{fill:#eef1f5}svg .bar.good{fill:var(--good)}svg .bar.fair{fill:var(--fair)}svg .bar.poor{fill:var(--poor)}
.tables{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}table{border-collapse:collapse}caption{text-align:left;font-weight:600;padding-bottom:4px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}td.num{text-align:right}
#objects{width:100%}#objects td.name{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}#objects ul{margin:0;padding-left:16px}
li.warning{color:#7a5a00}li.note{color:var(--muted)}.rule{font-family:ui-monospace,monospace;font-weight:600}.hint{color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;background:#eef1f5}
.badge.managed{background:#e3ecfa;color:var(--accent)}.badge.compliant{background:#e2f3e6;color:var(--good)}.badge.noncompliant{background:#fbe4e2;color:var(--poor)}.badge.failing{background:#fff1d6;color:#7a5a00}
.filters{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:8px}.filters a{padding:4px 10px;border:1px solid var(--line);border-radius:14px;text-decoration:none;color:var(--fg)}
.filters a[aria-current="true"]{background:var(--accent);border-color:var(--accent);color:#fff}.filters input,.filters select{padding:4px 8px;border:1px solid var(--line);border-radius:6px}
dl.rules dt{font-family:ui-monospace,monospace;font-weight:600;margin-top:8px}dl.rules dd{margin:0 0 0 16px;color:var(--muted)}
`;

// Applies the filter in the URL fragment to the rows; the controls only ever change the fragment.
const SCRIPT = `
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("#objects tbody tr"));
  var type = document.getElementById("type-filter");
  var q = document.getElementById("text-filter");
  function state() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) out[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }
  function write(next) {
    var s = state();
    Object.keys(next).forEach(function (k) { if (next[k]) s[k] = next[k]; else delete s[k]; });
    var h = Object.keys(s).map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(s[k]); }).join("&");
    location.hash = h;
  }
  function apply() {
    var s = state();
    var f = s.filter || "all";
    var t = s.type || "";
    var text = (s.q || "").toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var byStatus = f === "all" || (f === "failing" ? r.getAttribute("data-passing") === "false" : r.getAttribute("data-status") === f);
      var ok = byStatus && (!t || r.getAttribute("data-type") === t) && (!text || r.getAttribute("data-search").indexOf(text) >= 0);
      if (ok) { r.removeAttribute("hidden"); shown++; } else { r.setAttribute("hidden", ""); }
    });
    document.getElementById("shown-count").textContent = String(shown);
    document.body.setAttribute("data-filter", f);
    Array.prototype.forEach.call(document.querySelectorAll(".filters a"), function (a) {
      a.setAttribute("aria-current", a.getAttribute("data-filter") === f ? "true" : "false");
    });
    type.value = t;
    if (document.activeElement !== q) q.value = s.q || "";
  }
  type.addEventListener("change", function () { write({ type: type.value }); });
  q.addEventListener("input", function () { write({ q: q.value }); });
  window.addEventListener("hashchange", apply);
  apply();
})();
`;

export interface HtmlOptions {
  /** Page title (default "dpn naming compliance"). */
  title?: string;
}

/** The report as one self-contained HTML document. Never throws. */
export function renderHtml(report: ScanReport, options: HtmlOptions = {}): string {
  const s = report.summary;
  const title = options.title ?? "dpn naming compliance";
  const filters = Object.entries(report.filters)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const used = new Set(report.objects.flatMap((o) => o.findings.map((f) => f.rule_id)));
  const types = [...new Set(report.objects.map((o) => o.type))].sort();
  const sources =
    [report.convention.values, report.convention.patterns].filter(Boolean).join(", ") || "built-in";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)} — ${s.score}%</title>
<style>${CSS}</style>
</head>
<body data-filter="all">
<header>
<h1>${htmlEscape(title)}</h1>
<p class="meta">Scanned ${htmlEscape(report.generated_at)}${filters ? ` · ${htmlEscape(filters)}` : ""} · convention: ${htmlEscape(sources)}</p>
</header>
<main>
<div class="cards">
<div class="card"><span class="big ${tone(s.score)}" id="score" data-score="${s.score}">${s.score}%</span><span class="small">of ${s.in_scope} objects pass (${s.passing})</span></div>
<div class="card"><span class="big ${tone(s.names_score)}" id="names-score" data-score="${s.names_score}">${s.names_score}%</span><span class="small">names managed or compliant</span></div>
<div class="card"><span class="big" id="count-managed">${s.managed}</span><span class="small">managed by dpn</span></div>
<div class="card"><span class="big" id="count-compliant">${s.compliant}</span><span class="small">compliant, not managed</span></div>
<div class="card"><span class="big poor" id="count-noncompliant">${s.noncompliant}</span><span class="small">noncompliant</span></div>
<div class="card"><span class="big" id="count-out-of-scope">${s.out_of_scope}</span><span class="small">out of scope</span></div>
</div>
<section id="scores">
<h2>Compliance score</h2>
<div class="charts">
${barChart("chart-type", "By type", report.scores.by_type)}
${barChart("chart-environment", "By environment", report.scores.by_environment)}
${barChart("chart-team", "By team", report.scores.by_team)}
</div>
<div class="tables">
${scoreTable("By type", report.scores.by_type, "by-type")}
${scoreTable("By environment", report.scores.by_environment, "by-environment")}
${scoreTable("By team", report.scores.by_team, "by-team")}
</div>
</section>
<section id="findings">
<h2>Objects and findings</h2>
<div class="filters">
${FILTERS.map(([f, label]) => `<a href="#filter=${f}" data-filter="${f}" aria-current="${f === "all" ? "true" : "false"}">${label}</a>`).join("\n")}
<select id="type-filter" aria-label="type"><option value="">all types</option>${types.map((t) => `<option value="${htmlEscape(t)}">${htmlEscape(t)}</option>`).join("")}</select>
<input id="text-filter" type="search" placeholder="search names and reasons" aria-label="search">
<span><span id="shown-count">${report.objects.length}</span> of <span id="total-count">${report.objects.length}</span> objects shown</span>
</div>
<table id="objects">
<thead><tr><th>Status</th><th>Type</th><th>Name</th><th>Findings</th><th>Suggested name</th></tr></thead>
<tbody>
${report.objects.map(objectRow).join("\n")}
</tbody>
</table>
</section>
<section id="rules">
<h2>Rules</h2>
<dl class="rules">
${report.rules
  .filter((r) => used.has(r.id))
  .map(
    (r) =>
      `<dt>${htmlEscape(r.id)} ${htmlEscape(r.name)}</dt><dd>${htmlEscape(r.short)} ${htmlEscape(r.help)}</dd>`,
  )
  .join("\n")}
</dl>
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
