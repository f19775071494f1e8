// The web client's one bundle: each page's server-rendered HTML names the islands it needs (data-island) and their
// settings (a JSON block); everything else on the page works without JavaScript.
import { startExplore, type ExploreSetup } from './explore.js';
import { startLive, type LiveSetup } from './live.js';
import { createMap, readSetup, type MapSetup } from './map.js';

for (const element of document.querySelectorAll<HTMLElement>('[data-island="map"]')) {
  const setup = readSetup<MapSetup>(element.dataset.setup ?? '');
  if (setup) createMap(element, setup);
}

for (const element of document.querySelectorAll<HTMLElement>('[data-island="explore"]')) {
  const setup = readSetup<ExploreSetup>(element.dataset.setup ?? '');
  if (setup) startExplore(element, setup);
}

for (const element of document.querySelectorAll<HTMLElement>('[data-island="live"]')) {
  const setup = readSetup<LiveSetup>(element.dataset.setup ?? '');
  if (setup) startLive(element, setup);
}
