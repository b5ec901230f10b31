// The emulator's answers, written the way the guide prints them: an XML declaration and a <result> element.

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[char]};`);
}

/** A child element: a text value, or nested elements given as [tag, value] pairs. */
export type XmlChild = [tag: string, value: string | number | XmlChild[]];

function render(children: readonly XmlChild[], depth: number): string {
  const indent = "\t".repeat(depth);
  return children
    .map(([tag, value]) =>
      Array.isArray(value)
        ? `${indent}<${tag}>\n${render(value, depth + 1)}\n${indent}</${tag}>`
        : `${indent}<${tag}>${escapeXml(String(value))}</${tag}>`,
    )
    .join("\n");
}

/** `<result>` with `<outcome>0</outcome>` and the given children. */
export function okXml(children: readonly XmlChild[] = []): string {
  return `${DECLARATION}\n<result>\n${render([["outcome", 0], ...children], 1)}\n</result>\n`;
}

/** `<result>` with `<outcome>1</outcome>` and the error text. */
export function errorXml(error: string): string {
  return `${DECLARATION}\n<result>\n${render([["outcome", 1], ["error", error]], 1)}\n</result>\n`;
}

/** A list of same-named elements, e.g. the <contact> entries of <contacts>. */
export function list(tag: string, items: readonly XmlChild[][]): XmlChild[] {
  return items.map((item): XmlChild => [tag, item]);
}
