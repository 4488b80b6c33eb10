// A minimal reactive custom element on lit-html, shaped like LitElement (static `properties` and
// `styles`, `render()`, `requestUpdate()`, `updateComplete`, `firstUpdated()`), because
// LitElement's own reactive layer costs about 2.5 KB gzip and the widget must fit in 10 KB with
// Lit inside. It does only what the widget needs: string attributes mapped to properties, optional
// reflection, batched rendering into an open shadow root.
import { render } from 'lit/html.js';
import type { TemplateResult } from 'lit/html.js';

export interface PropertyOptions {
  /** The observed attribute's name; default: the property name lower-cased. */
  readonly attribute?: string | false;
  /** Write property changes back to the attribute (for `:host([…])` selectors). */
  readonly reflect?: boolean;
}

export abstract class BaseElement extends HTMLElement {
  static properties: Readonly<Record<string, PropertyOptions>> = {};
  /** CSS text, placed once in each shadow root. */
  static styles = '';
  /** Attributes that only re-render (no property), e.g. `lang`. */
  static renderAttributes: readonly string[] = [];

  static get observedAttributes(): string[] {
    const attributes = [...this.renderAttributes];
    for (const [name, options] of Object.entries(this.properties)) {
      const attribute = attributeOf(name, options);
      if (attribute) attributes.push(attribute);
      if (Object.prototype.hasOwnProperty.call(this.prototype, name)) continue;
      Object.defineProperty(this.prototype, name, {
        get(this: BaseElement) {
          return this.#values[name];
        },
        set(this: BaseElement, value: unknown) {
          if (this.#values[name] === value) return;
          this.#values[name] = value;
          if (options.reflect && attribute) {
            if (value == null) this.removeAttribute(attribute);
            else this.setAttribute(attribute, String(value));
          }
          this.requestUpdate();
        },
      });
    }
    return attributes;
  }

  readonly renderRoot: ShadowRoot;
  hasUpdated = false;
  #values: Record<string, unknown> = {};
  #updateComplete: Promise<boolean> = Promise.resolve(true);
  #isUpdatePending = false;

  constructor() {
    super();
    this.renderRoot = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = (this.constructor as typeof BaseElement).styles;
    this.renderRoot.append(style);
  }

  /** Resolves once the pending render (if any) is in the DOM. */
  get updateComplete(): Promise<boolean> {
    return this.#updateComplete;
  }

  connectedCallback(): void {
    // Properties set before the element was defined live on the instance: route them through the accessors.
    for (const name of Object.keys((this.constructor as typeof BaseElement).properties)) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = (this as Record<string, unknown>)[name];
        delete (this as Record<string, unknown>)[name];
        (this as Record<string, unknown>)[name] = value;
      }
    }
    this.requestUpdate();
  }

  disconnectedCallback(): void {}

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    const properties = (this.constructor as typeof BaseElement).properties;
    const property = Object.keys(properties).find((key) => attributeOf(key, properties[key]) === name);
    if (property) (this as Record<string, unknown>)[property] = value ?? undefined;
    else this.requestUpdate();
  }

  /** Schedules one render in a microtask, however many changes come before it. */
  requestUpdate(): void {
    if (this.#isUpdatePending) return;
    this.#isUpdatePending = true;
    this.#updateComplete = Promise.resolve().then(() => {
      this.#isUpdatePending = false;
      if (!this.isConnected) return false;
      render(this.render(), this.renderRoot, { host: this });
      if (!this.hasUpdated) {
        this.hasUpdated = true;
        this.firstUpdated();
      }
      return true;
    });
  }

  protected firstUpdated(): void {}

  protected abstract render(): TemplateResult;
}

function attributeOf(name: string, options: PropertyOptions): string | false {
  return options.attribute ?? name.toLowerCase();
}
