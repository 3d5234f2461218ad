/**
 * A small, strict XML reader for S3 request bodies: one root element, elements with attributes,
 * text, CDATA, character and the five predefined entity references, comments, processing
 * instructions and an XML declaration. No DTDs (an S3 request never has one). Text is kept
 * exactly as written (no trimming); whitespace-only text between child elements is recorded as
 * such so the caller can tell mixed content from indentation.
 */

export interface XmlElement {
  /** Qualified name as written, e.g. `Tagging` or `xsi:type`. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
  /** True when some direct character data is not whitespace. */
  hasText: boolean;
}

/** The body is not well-formed XML (the message has the offset). */
export class XmlSyntaxError extends Error {}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string, at: number): string {
  if (!s.includes("&")) return s;
  return s.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new XmlSyntaxError(`unterminated entity reference near offset ${at}`);
    if (ref in ENTITIES) return ENTITIES[ref] as string;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new XmlSyntaxError(`unknown entity &${ref}; near offset ${at}`);
    const cp = m[1] !== undefined ? Number.parseInt(m[1], 16) : Number.parseInt(m[2] as string, 10);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw new XmlSyntaxError(`bad character reference &${ref};`);
    return String.fromCodePoint(cp);
  });
}

/** Parse a document; throws XmlSyntaxError when it is not well-formed. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at offset ${i}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (i < doc.length && /\s/.test(doc[i] as string)) i++;
      if (doc.startsWith("<?", i)) {
        const end = doc.indexOf("?>", i);
        if (end < 0) fail("unterminated processing instruction");
        i = end + 2;
      } else if (doc.startsWith("<!--", i)) {
        const end = doc.indexOf("-->", i);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
      } else if (doc.startsWith("<!", i)) {
        fail("DTDs are not supported");
      } else return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(doc);
    if (!m) fail("expected a name");
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const element = (): XmlElement => {
    if (doc[i] !== "<") fail("expected '<'");
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: "", hasText: false };
    for (;;) {
      const ws = i;
      while (i < doc.length && /\s/.test(doc[i] as string)) i++;
      if (doc.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (doc[i] === ">") {
        i++;
        break;
      }
      if (i === ws) fail("expected whitespace before an attribute");
      const an = name();
      while (/\s/.test(doc[i] ?? "")) i++;
      if (doc[i] !== "=") fail(`expected '=' after attribute ${an}`);
      i++;
      while (/\s/.test(doc[i] ?? "")) i++;
      const q = doc[i];
      if (q !== '"' && q !== "'") fail("expected a quoted attribute value");
      const end = doc.indexOf(q as string, i + 1);
      if (end < 0) fail("unterminated attribute value");
      const raw = doc.slice(i + 1, end);
      if (raw.includes("<")) fail("'<' in an attribute value");
      if (an in el.attributes) fail(`duplicate attribute ${an}`);
      // XML end-of-line and attribute-value normalisation
      el.attributes[an] = decodeEntities(raw.replace(/\r\n?/g, "\n").replace(/[\t\n]/g, " "), i);
      i = end + 1;
    }
    // content
    for (;;) {
      if (i >= doc.length) fail(`unclosed element <${el.name}>`);
      if (doc.startsWith("</", i)) {
        i += 2;
        const close = name();
        if (close !== el.name) fail(`</${close}> closes <${el.name}>`);
        while (/\s/.test(doc[i] ?? "")) i++;
        if (doc[i] !== ">") fail("expected '>'");
        i++;
        return el;
      }
      if (doc.startsWith("<!--", i)) {
        const end = doc.indexOf("-->", i);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
        continue;
      }
      if (doc.startsWith("<![CDATA[", i)) {
        const end = doc.indexOf("]]>", i);
        if (end < 0) fail("unterminated CDATA section");
        const t = doc.slice(i + 9, end);
        el.text += t;
        if (t.length) el.hasText = true;
        i = end + 3;
        continue;
      }
      if (doc.startsWith("<?", i)) {
        const end = doc.indexOf("?>", i);
        if (end < 0) fail("unterminated processing instruction");
        i = end + 2;
        continue;
      }
      if (doc[i] === "<") {
        el.children.push(element());
        continue;
      }
      const next = doc.indexOf("<", i);
      const end = next < 0 ? doc.length : next;
      const raw = doc.slice(i, end);
      if (raw.includes("]]>")) fail("']]>' in character data");
      const t = decodeEntities(raw.replace(/\r\n?/g, "\n"), i);
      el.text += t;
      if (/[^ \t\r\n]/.test(t)) el.hasText = true;
      i = end;
    }
  };
  skipMisc();
  if (i >= doc.length) fail("no root element");
  const root = element();
  skipMisc();
  if (i < doc.length) fail("content after the root element");
  return root;
}
