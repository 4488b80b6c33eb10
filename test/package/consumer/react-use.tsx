// React 19 JSX: attributes, the strings property and typed `onpp-*` events.
import 'progressive-profile/react';

export function CompleteProfile() {
  return (
    <progressive-profile
      endpoint="https://profile.example.com"
      restart-url="/login"
      strings={{ submit: 'Continue' }}
      onpp-success={(event) => {
        event.preventDefault();
        console.log(event.detail.continueUrl, event.detail.sessionToken);
      }}
      onpp-error={(event) => console.log(event.detail.code)}
    />
  );
}

export function Mistyped() {
  // @ts-expect-error pp-success carries {continueUrl, sessionToken}
  return <progressive-profile onpp-success={(event) => console.log(event.detail.nothing)} />;
}
