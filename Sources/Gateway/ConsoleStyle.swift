/// The console's style sheet, served at `GET /console.css`: system fonts, no image, nothing fetched elsewhere.
enum ConsoleStyle {
    static let css = """
        :root {
          --ink: #1d2433; --muted: #5d6679; --line: #dfe3ea; --panel: #ffffff; --page: #f4f6f9;
          --accent: #2457c5; --good: #1c7c3c; --good-bg: #e3f4e8; --bad: #b42318; --bad-bg: #fde8e6;
          --warn: #8a5a00; --warn-bg: #fff3d6; --code-bg: #f0f2f6;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          font-size: 14px; color: var(--ink); background: var(--page);
        }
        body { margin: 0; }
        code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
          font-size: 12.5px; }
        code { background: var(--code-bg); padding: 1px 4px; border-radius: 3px; }
        pre { background: var(--code-bg); padding: 10px 12px; border-radius: 6px; overflow-x: auto; margin: 6px 0; }
        a { color: var(--accent); }
        header.top { display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 52px;
          background: #182033; color: #fff; position: sticky; top: 0; z-index: 2; }
        .brand { font-weight: 600; font-size: 16px; letter-spacing: .2px; white-space: nowrap; }
        .logo { color: #7fa8ff; }
        nav { display: flex; gap: 4px; }
        nav a { color: #c9d3e8; text-decoration: none; padding: 8px 12px; border-radius: 6px; }
        nav a:hover { background: #26304a; color: #fff; }
        nav a.active { background: #2f3b5c; color: #fff; font-weight: 600; }
        .health { margin-left: auto; display: flex; gap: 14px; align-items: center; white-space: nowrap; }
        header .meta { color: #aab4c8; }
        main { padding: 20px 24px; max-width: 1400px; }
        footer { padding: 0 24px 24px; }
        .meta { color: var(--muted); font-size: 12.5px; }
        .banner { margin: 12px 24px 0; padding: 10px 14px; border-radius: 6px; background: var(--warn-bg);
          color: var(--warn); }
        .banner.error { background: var(--bad-bg); color: var(--bad); }
        .banner .hint { margin: 6px 0 0; font-size: 12.5px; }
        .badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
          background: var(--code-bg); color: var(--muted); }
        .badge.good { background: var(--good-bg); color: var(--good); }
        .badge.bad { background: var(--bad-bg); color: var(--bad); }
        .badge.warn { background: var(--warn-bg); color: var(--warn); }
        .toolbar { display: flex; gap: 8px; align-items: center; margin: 0 0 14px; flex-wrap: wrap; }
        .spacer { flex: 1; }
        input[type=search], input[type=text], input[type=password], textarea { font: inherit; padding: 6px 10px;
          border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
        input[type=search] { min-width: 280px; }
        textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, Menlo, Consolas, monospace;
          font-size: 12.5px; margin: 8px 0; }
        button { font: inherit; padding: 6px 12px; border: 1px solid var(--line); border-radius: 6px;
          background: #fff; color: var(--ink); cursor: pointer; }
        button:hover { border-color: #b8c0cf; }
        button:disabled { opacity: .45; cursor: default; }
        button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
        button.small { padding: 2px 8px; font-size: 12px; }
        details.sensor, .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
          margin: 0 0 8px; }
        details.sensor > summary { display: flex; gap: 14px; align-items: center; padding: 10px 14px; cursor: pointer;
          list-style: none; }
        details.sensor > summary::-webkit-details-marker { display: none; }
        details.sensor > summary::before { content: "▸"; color: var(--muted); width: 10px; }
        details.sensor[open] > summary::before { content: "▾"; }
        details.sensor > summary .name { font-weight: 600; font-size: 14.5px; }
        .body { padding: 4px 16px 14px 38px; }
        .card { padding: 12px 16px; }
        .card h3 { margin: 0 0 8px; font-size: 14.5px; }
        h4 { margin: 14px 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .6px;
          color: var(--muted); }
        table.grid { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line);
          border-radius: 8px; overflow: hidden; }
        table.grid th { text-align: left; font-weight: 600; font-size: 12px; color: var(--muted); background: #fafbfc;
          border-bottom: 1px solid var(--line); padding: 7px 10px; white-space: nowrap; }
        table.grid td { border-top: 1px solid #edf0f4; padding: 7px 10px; vertical-align: top; font-size: 13px; }
        table.grid tr.sub td { background: #fbfcfd; }
        table.grid tr.sub td:first-child { padding-left: 28px; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .trigger { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 12px; }
        .trigger .head { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
        .trigger .head .name { font-weight: 600; }
        .chips { display: flex; gap: 6px; flex-wrap: wrap; }
        .empty { color: var(--muted); font-style: italic; padding: 8px 0; }
        .not-loaded { border-left: 4px solid var(--bad); }
        .nowrap, .replay code { white-space: nowrap; }
        .verdict-pass { color: var(--good); font-weight: 600; }
        .verdict-fail { color: var(--bad); font-weight: 600; }
        .replay { display: flex; gap: 6px; align-items: center; }

        """
}
