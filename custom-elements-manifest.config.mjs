// The custom elements manifest (dist/custom-elements.json, named by package.json's
// "customElements"): the element's attributes, properties, events, parts and custom properties,
// read by editors and framework tooling. Internal reactive state is left out.
export default {
  globs: ['widget/index.ts', 'widget/progressive-profile.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [publicSurfaceOnly()],
};

/** Drops what is not public API: private and `state: true` members and events found in helpers. */
function publicSurfaceOnly() {
  return {
    name: 'progressive-profile-public-surface',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (!declaration.customElement) continue;
          const isPublic = (member) => !member.name?.startsWith('[') && member.privacy !== 'private' && member.privacy !== 'protected' && !member.state && !member.static;
          declaration.members = (declaration.members ?? []).filter(isPublic);
          const attributes = new Set(declaration.members.map((member) => member.attribute).filter(Boolean));
          attributes.add('lang');
          declaration.attributes = (declaration.attributes ?? []).filter((attribute) => attributes.has(attribute.name));
          // Only the events the class documents with @fires are the element's.
          declaration.events = (declaration.events ?? []).filter((event) => event.name?.startsWith('pp-'));
        }
      }
    },
  };
}
