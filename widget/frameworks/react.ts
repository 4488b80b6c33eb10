// `import 'progressive-profile/react'`: registers <progressive-profile> and types it in React 19's
// JSX, events as `onpp-success={(event) => event.detail.continueUrl}` (React 19 adds a listener for
// an `on`-prefixed prop of a custom element, event name as written).
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ProgressiveProfile } from '../progressive-profile.js';
import type { ProgressiveProfileEvents, ProgressiveProfileProps } from './element-types.js';
import '../index.js';

type EventProps = { [Name in keyof ProgressiveProfileEvents as `on${Name}`]?: (event: ProgressiveProfileEvents[Name]) => void };

export type ProgressiveProfileJsxProps = Omit<DetailedHTMLProps<HTMLAttributes<ProgressiveProfile>, ProgressiveProfile>, 'lang'> &
  ProgressiveProfileProps &
  EventProps;

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'progressive-profile': ProgressiveProfileJsxProps;
    }
  }
}
