// The page's only static files, served from memory (no CDN: the machines running it
// are often offline). The script is an enhancement: without it the page is complete.

export const STYLESHEET = `
:root { --ok: #1d7a3a; --bad: #b42318; --warn: #b54708; --drift: #6941c6; --muted: #667085; --line: #d0d5dd; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #101828; background: #fff; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .75rem 1.5rem; background: #101828; color: #fff; }
header a { color: #fff; text-decoration: none; }
header nav a { margin-right: 1rem; opacity: .85; }
.brand { font-weight: 700; font-size: 1.1rem; }
.stamp { margin-left: auto; opacity: .8; font-size: .85rem; }
main { padding: 1rem 1.5rem 2rem; }
footer { padding: 1rem 1.5rem; color: var(--muted); border-top: 1px solid var(--line); font-size: .85rem; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
a { color: #175cd3; }
code { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f4f7; padding: 0 .25rem; border-radius: 3px; }
.muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: 0 0 1rem; }
.summary li { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .7rem; background: var(--bg); }
.summary li.bad { border-color: var(--bad); color: var(--bad); background: #fef3f2; }
.summary li.warn { border-color: var(--warn); color: var(--warn); background: #fffaeb; }
.summary li.drift { border-color: var(--drift); color: var(--drift); background: #f4f3ff; }
.clusters { display: flex; flex-wrap: wrap; gap: .75rem; }
.cluster { border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 6px; padding: .5rem .8rem; min-width: 16rem; max-width: 30rem; }
.cluster h3 { margin: 0 0 .2rem; }
.cluster p { margin: .1rem 0; }
.cluster.down { border-left-color: var(--bad); background: #fef3f2; }
.cluster.partial { border-left-color: var(--warn); background: #fffaeb; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--bg); font-weight: 600; }
td.time { white-space: nowrap; }
tr.outofsync > th, tr.outofsync > td { background: #fffaeb; }
tr.failing > th:first-child, tr.failing > td:first-child { box-shadow: inset 4px 0 var(--bad); }
td.unreachable { background: repeating-linear-gradient(45deg, #f2f4f7, #f2f4f7 6px, #fff 6px, #fff 12px); color: var(--bad); font-weight: 600; }
td.absent { color: var(--warn); font-style: italic; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.ok { color: var(--ok); }
.badge.bad { color: #fff; background: var(--bad); border-color: var(--bad); }
.badge.wait { color: var(--warn); }
.badge.warn { color: #fff; background: var(--warn); border-color: var(--warn); }
.badge.drift { color: #fff; background: var(--drift); border-color: var(--drift); }
.badge.unknown { color: var(--muted); }
.why { color: #475467; font-size: .85rem; margin: .2rem 0 0; padding-left: 1rem; }
div.why { padding-left: 0; }
dl.facts { display: grid; grid-template-columns: 10rem 1fr; gap: .3rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.instance { border-top: 2px solid var(--line); margin-top: 1.5rem; }
ol.events { padding-left: 1.2rem; }
ol.events li.warning { color: var(--bad); }
pre { background: var(--bg); border: 1px solid var(--line); padding: .6rem; overflow-x: auto; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre .add { color: var(--ok); }
pre .del { color: var(--bad); }
pre .chg { color: var(--warn); }
.diff-form { margin: .5rem 0 1rem; }
`;

// Refresh in place: re-fetch this same page every data-refresh seconds while it is
// visible and swap the main content, so a wall screen stays current without reloads.
export const SCRIPT = `
(function () {
  var seconds = Number(document.body.getAttribute('data-refresh')) || 15;
  function refresh() {
    if (document.hidden) return;
    window.fetch(window.location.href, { credentials: 'same-origin', headers: { 'X-Eastern-Refresh': '1' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var main = doc.getElementById('main');
        var stamp = doc.getElementById('stamp');
        if (main) document.getElementById('main').replaceWith(main);
        if (stamp) document.getElementById('stamp').replaceWith(stamp);
      })
      .catch(function () {});
  }
  window.setInterval(refresh, seconds * 1000);
})();
`;
