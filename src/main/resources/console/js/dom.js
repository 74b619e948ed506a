// A few DOM helpers: every value is put in as text, never as markup, so nothing the API answers can run.

export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'class') {
      node.className = value;
    } else if (name.startsWith('on')) {
      node.addEventListener(name.substring(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(node, child);
    } else {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A definition list of label/value pairs; values may be nodes. */
export function fields(pairs, attributes) {
  return el('dl', Object.assign({ class: 'fields' }, attributes || {}), pairs.map(([label, value, key]) => [
    el('dt', {}, label),
    el('dd', { 'data-field': key }, value === undefined || value === null || value === '' ? '—' : value)
  ]));
}

export function errorBox(failure) {
  const message = failure && failure.describe ? failure.describe() : String(failure && failure.message || failure);
  return el('p', { class: 'error', role: 'alert' }, message);
}

export function when(instant) {
  if (!instant) {
    return '—';
  }
  const d = new Date(instant);
  return isNaN(d) ? instant : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}
