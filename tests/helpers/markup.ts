// Owns structural checks of generated SVG and HTML: balanced tags, quoted attributes, escaped text.
import assert from "node:assert/strict";

/**
 * Asserts that markup is well-formed XML as far as the report modules produce it: every opened
 * element is closed in order, attributes are quoted, and `&` only starts an entity.
 *
 * @returns Names of the elements in document order.
 */
export function assertWellFormed(markup: string): string[] {
  const elements: string[] = [];
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/y;
  let at = 0;
  while (at < markup.length) {
    const next = markup.indexOf("<", at);
    const text = markup.slice(at, next < 0 ? markup.length : next);
    assert.doesNotMatch(text, /&(?!amp;|lt;|gt;|quot;|#\d+;)/, `unescaped & in "${text}"`);
    if (next < 0) break;
    tag.lastIndex = next;
    const match = tag.exec(markup);
    assert.ok(match, `malformed tag at ${next}: ${markup.slice(next, next + 60)}`);
    const [whole, closing, name, , selfClosing] = match;
    if (closing) {
      assert.equal(open.pop(), name, `</${name}> closes the wrong element at ${next}`);
    } else {
      elements.push(name!);
      if (!selfClosing) open.push(name!);
    }
    at = next + whole.length;
  }
  assert.deepEqual(open, [], `unclosed elements: ${open.join(", ")}`);
  return elements;
}

/** Values of one attribute on every element carrying it, in document order. */
export function attributeValues(markup: string, attribute: string): string[] {
  return [...markup.matchAll(new RegExp(`\\s${attribute}="([^"]*)"`, "g"))].map((m) => m[1]!);
}
