// The server child's side of diagnose.mjs, over a window of load: the bytes allocated (the
// heap's growth between collections, from V8's GC profiler: every space, so Express's maps
// and descriptor arrays in old space count too), the collections, and where the bytes were
// allocated (V8's sampling heap profiler, counting objects already collected too).
import { Session } from "node:inspector/promises";
import v8 from "node:v8";

let session;
let profiler;
let usedAtStart;

// One sample per 2 KiB allocated on average: enough samples over a window of thousands of
// requests, few enough not to slow the server much (each sample walks the stack).
const SAMPLING_INTERVAL = 2048;

// Where new objects go (new space; large ones to new large-object space) and where objects
// are created old: maps, descriptor arrays and pretenured objects (old space).
const YOUNG = new Set(["new_space", "new_large_object_space"]);
const OLD = new Set(["old_space", "large_object_space"]);

/** Used bytes of the young and the old spaces, from V8's per-space statistics. */
function usedBySpace(spaces, name = "spaceName", used = "spaceUsedSize") {
  const sums = { young: 0, old: 0 };
  for (const space of spaces) {
    if (YOUNG.has(space[name])) sums.young += space[used];
    else if (OLD.has(space[name])) sums.old += space[used];
  }
  return sums;
}

const usedNow = () => usedBySpace(v8.getHeapSpaceStatistics(), "space_name", "space_used_size");

async function start() {
  if (session === undefined) {
    session = new Session();
    session.connect();
  }
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: SAMPLING_INTERVAL,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  profiler = new v8.GCProfiler();
  profiler.start();
  usedAtStart = usedNow();
}

/**
 * Bytes allocated since `start`, per generation: each space's growth from the end of one
 * collection to the start of the next, summed. Old space also shrinks between collections
 * (concurrent sweeping frees what the last marking found dead), so only growth counts there.
 */
function allocatedSince(statistics) {
  const allocated = { young: 0, old: 0 };
  let used = usedAtStart;
  const collections = { minor: 0, major: 0 };
  const add = (before) => {
    allocated.young += Math.max(0, before.young - used.young);
    allocated.old += Math.max(0, before.old - used.old);
  };
  for (const gc of statistics) {
    add(usedBySpace(gc.beforeGC.heapSpaceStatistics));
    used = usedBySpace(gc.afterGC.heapSpaceStatistics);
    if (gc.gcType === "Scavenge" || gc.gcType === "MinorMarkCompact") collections.minor++;
    else collections.major++;
  }
  add(usedNow());
  return { allocated, collections };
}

/** Sampled bytes by allocation site (function and source position), largest first. */
function bySite(profile) {
  const sites = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const where = url
      .replace(/^file:\/\//, "")
      .replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "");
    const site = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}:${columnNumber + 1}`;
    if (node.selfSize > 0) sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return { total, sites: [...sites.entries()].sort((a, b) => b[1] - a[1]) };
}

async function stop() {
  const { statistics } = profiler.stop();
  const { profile } = await session.post("HeapProfiler.stopSampling");
  const { allocated, collections } = allocatedSince(statistics);
  const { total, sites } = bySite(profile);
  // How much the young generation holds between scavenges: V8 sizes it as a process runs,
  // so two servers of the same code can scavenge at very different rates.
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  const youngCapacity = newSpace?.space_size ?? 0;
  return { allocated, sampled: total, sites: sites.slice(0, 40), collections, youngCapacity };
}

/** Handles one `diag:*` message; returns the reply's fields. */
export async function handle(message) {
  if (message.type === "diag:start") {
    await start();
    return {};
  }
  if (message.type === "diag:stop") return stop();
  throw new Error(`unknown diagnostics message ${message.type}`);
}
