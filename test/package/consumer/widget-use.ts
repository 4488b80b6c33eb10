// The element's types from `progressive-profile/widget`: the tag, its properties and event details.
import { ProgressiveProfile, type ErrorDetail, type SuccessDetail } from 'progressive-profile/widget';

const element: ProgressiveProfile | null = document.querySelector('progressive-profile');
if (element) {
  element.endpoint = 'https://profile.example.com';
  element.strings = { submit: 'Continue' };
  element.addEventListener('pp-success', (event) => {
    const detail: SuccessDetail = event.detail;
    event.preventDefault();
    console.log(detail.continueUrl.length);
  });
  element.addEventListener('pp-error', (event) => {
    const detail: ErrorDetail = event.detail;
    console.log(detail.code);
  });
  // @ts-expect-error pp-success carries {continueUrl, sessionToken}
  element.addEventListener('pp-success', (event) => console.log(event.detail.nothing));
}
const created = document.createElement('progressive-profile');
created.restartUrl = '/login';
