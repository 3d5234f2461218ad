/** The oracle's XML reader: what it keeps exactly, what it normalises, and what it refuses. */
import { describe, expect, it } from "vitest";
import { parseXml, XmlSyntaxError } from "./xml-reader.js";

describe("parseXml", () => {
  it("reads elements, attributes, entities, CDATA and keeps text exactly", () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><A xmlns="urn:x" k='v &amp; w'><B> a &lt;&#x41;&#66;&quot; </B><C><![CDATA[<raw>]]></C><D/></A>`,
    );
    expect(root.name).toBe("A");
    expect(root.attributes).toEqual({ xmlns: "urn:x", k: "v & w" });
    expect(root.hasText).toBe(false);
    expect(root.children.map((c) => [c.name, c.text])).toEqual([
      ["B", ' a <AB" '],
      ["C", "<raw>"],
      ["D", ""],
    ]);
  });

  it("applies XML end-of-line handling and flags mixed content", () => {
    expect(parseXml("<A>x\r\ny\rz</A>").text).toBe("x\ny\nz");
    expect(parseXml("<A>\n  <B/>\n</A>").hasText).toBe(false);
    expect(parseXml("<A>t<B/></A>").hasText).toBe(true);
  });

  it("refuses malformed documents", () => {
    for (const doc of [
      "",
      "<A>",
      "<A></B>",
      "<A>&nbsp;</A>",
      "<A>&amp</A>",
      "<A/><B/>",
      "<!DOCTYPE a><A/>",
      '<A k="1" k="2"/>',
      "<A k=1/>",
      "<A>]]></A>",
    ]) {
      expect(() => parseXml(doc), doc).toThrow(XmlSyntaxError);
    }
  });
});
