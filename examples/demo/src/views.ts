/** The demo's HTML: one layout, a few small pages. Every dynamic value goes through `escapeHtml`. */

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A tagged template whose interpolations are escaped unless they are already `Html`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const part = Array.isArray(value)
      ? value.map((v) => (v instanceof Html ? v.text : escapeHtml(v))).join('')
      : value instanceof Html
        ? value.text
        : escapeHtml(value ?? '');
    out += part + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: .8rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
  header strong { font-size: 1.2rem; margin-right: 1rem; }
  header a { color: #cfd8ff; text-decoration: none; }
  header a[aria-current] { color: #fff; text-decoration: underline; }
  main { max-width: 46rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  h1 { margin-top: 0; font-size: 1.5rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e3e6ec; vertical-align: top; }
  th { width: 38%; color: #555; font-weight: 600; }
  code { background: #eef0f4; padding: 0 .3rem; border-radius: 3px; }
  .big { font-size: 2.5rem; font-weight: 700; }
  .ok { color: #137333; font-weight: 600; } .no { color: #b3261e; font-weight: 600; }
  form { margin: 1rem 0; } fieldset { border: 1px solid #e3e6ec; border-radius: 6px; }
  button { font: inherit; padding: .35rem 1rem; border-radius: 5px; border: 1px solid #1d2330; background: #1d2330; color: #fff; cursor: pointer; }
  input[type=text], input[type=number], input[type=datetime-local] { font: inherit; padding: .25rem .4rem; }
  .note { color: #555; font-size: .92rem; }
`;

const nav: [string, string][] = [
  ['/', 'Counter'],
  ['/test-cookie', 'Test cookie'],
  ['/expiry', 'Expiry'],
  ['/inspect', 'Inspector'],
  ['/cross-site', 'Cross-site'],
];

export function page(title: string, path: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · sess demo</title>
<style>${new Html(style)}</style>
</head>
<body>
<header><strong>sess demo</strong>${nav.map(
    ([href, label]) =>
      html`<a href="${href}"${new Html(href === path ? ' aria-current="page"' : '')}>${label}</a>`,
  )}</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.text;
}
