// Python string literals: the value of a literal as written (prefixes, quotes, escapes).

/** The value of a Python string literal (prefix, quotes, escapes). */
export function decodeString(literal: string): string {
  const prefix = /^[A-Za-z]*/.exec(literal)![0];
  const raw = /r/i.test(prefix);
  const rest = literal.slice(prefix.length);
  const q = rest.startsWith('"""') || rest.startsWith("'''") ? 3 : 1;
  return unescapeBody(rest.slice(q, rest.length - q), raw);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

export function unescapeBody(body: string, raw: boolean): string {
  if (raw || !body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === '\n') continue;
    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e === 'U' && /^[0-9a-fA-F]{8}$/.test(body.slice(i + 1, i + 9))) {
      const cp = parseInt(body.slice(i + 1, i + 9), 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\\U' + body.slice(i + 1, i + 9);
      i += 8;
    } else if (/[0-7]/.test(e) && e !== '0') {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCharCode(parseInt(m, 8));
      i += m.length - 1;
    } else if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else out += '\\' + e;
  }
  return out;
}
