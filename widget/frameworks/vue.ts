// `import 'progressive-profile/vue'`: registers <progressive-profile> and types it in Vue templates
// (vue-tsc with strictTemplates), events as `@pp-success="(event) => event.detail.continueUrl"`.
// Vue reads a component's prop types from `$props` and its event types from `$emit`: these two
// exist for type checking only (Vue's documented recipe for custom elements not built with Vue).
// Tell Vue's compiler it is a custom element: `isCustomElement: (tag) => tag === 'progressive-profile'`.
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { ProgressiveProfile } from '../progressive-profile.js';
import type { ProgressiveProfileEvents, ProgressiveProfileProps } from './element-types.js';
import '../index.js';

export type ProgressiveProfileVueElement = new () => ProgressiveProfile & {
  /** @deprecated For template type checking only: the element has no `$props`. */
  $props: Omit<HTMLAttributes, 'lang'> & ProgressiveProfileProps & PublicProps;
  /** @deprecated For template type checking only: the element has no `$emit`. */
  $emit: EmitFn<{ [Name in keyof ProgressiveProfileEvents]: (event: ProgressiveProfileEvents[Name]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
    'progressive-profile': ProgressiveProfileVueElement;
  }
}
