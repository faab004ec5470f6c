/**
 * The tag upstream's image-pull-policy defaulting sees for an image string
 * (kubelet `parsers.ParseImageName` over distribution/reference
 * `ParseNormalizedNamed`): the explicit tag; `latest` when neither a tag nor
 * a digest is given; `''` for a digest-only reference or a string that does
 * not parse as a reference (upstream ignores the parse error and treats it as
 * "no tag").
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const HEX64 = /^[a-f0-9]{64}$/;
const NAME_TOTAL_MAX = 255;

export function imageTag(image: unknown): string {
  if (typeof image !== 'string' || HEX64.test(image)) return '';
  const normalized = normalize(image);
  if (normalized === undefined) return '';
  const m = REFERENCE.exec(normalized);
  if (!m || m[1]!.length > NAME_TOTAL_MAX) return '';
  const tag = m[2] ?? '';
  const digest = m[3] ?? '';
  return tag === '' && digest === '' ? 'latest' : tag;
}

/**
 * Adds Docker Hub's implied domain (and `library/` for single-component
 * names) the way `ParseNormalizedNamed` does, and rejects upper-case
 * repository names; undefined when the name is invalid.
 */
function normalize(image: string): string | undefined {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = hasDomain ? first : 'docker.io';
  let remainder = hasDomain ? image.slice(slash + 1) : image;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`;
  const tagSep = remainder.indexOf(':');
  const repository = tagSep < 0 ? remainder : remainder.slice(0, tagSep);
  if (repository.toLowerCase() !== repository) return undefined;
  return `${domain}/${remainder}`;
}
