// Every rule module, in the order their findings are reported.
import type { Rule } from './types.js';
import { apiVersions } from './api-versions.js';
import { availability } from './availability.js';
import { duplicates } from './duplicates.js';
import { images } from './images.js';
import { resources } from './resources.js';
import { security } from './security.js';
import { targets } from './targets.js';
import { traffic } from './traffic.js';

export const ALL_RULES: readonly Rule[] = [duplicates, apiVersions, security, images, resources, traffic, availability, targets];
