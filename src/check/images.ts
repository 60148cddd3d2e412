// image-tag: every image names a fixed version.
import { podTemplates } from './objects.js';
import type { RawFinding, Rule } from './types.js';
import { finding } from './finding.js';

/** The tag of an image reference; undefined when it has none. A digest pins the image whatever the tag. */
export function imageTag(image: string): { tag: string | undefined; digest: boolean } {
  if (image.includes('@')) return { tag: undefined, digest: true };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  // A colon before the last slash belongs to the registry's port (registry:5000/app).
  return { tag: colon > slash ? image.slice(colon + 1) : undefined, digest: false };
}

export const images: Rule = {
  ids: ['image-tag'],
  check({ objects }) {
    const out: RawFinding[] = [];
    for (const t of podTemplates(objects)) {
      for (const c of t.containers) {
        const image = c.value.image;
        if (typeof image !== 'string' || image === '') continue;
        const { tag, digest } = imageTag(image);
        if (digest || (tag !== undefined && tag !== 'latest')) continue;
        out.push(finding('image-tag', t.owner, [...c.path, 'image'],
          `container "${c.name}" runs ${image}${tag === undefined ? ', which has no tag (so it means latest)' : ''}: the version depends on when the node pulled it`,
          'pin a version tag (e.g. ${IMAGE_TAG} set by the build) or a digest (@sha256:…)'));
      }
    }
    return out;
  },
};
