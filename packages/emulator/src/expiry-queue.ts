interface Entry {
  at: number;
  key: string;
}

/**
 * Keys ordered by when they expire (a binary min-heap), so that a caller can
 * drop everything that expired by `now` in O(log n) per key instead of walking
 * every key on every call.
 */
export class ExpiryQueue {
  private readonly heap: Entry[] = [];

  /** Queues `key` to expire at `at` (Unix ms). */
  push(key: string, at: number): void {
    const heap = this.heap;
    heap.push({ at, key });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry).at <= at) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = { at, key };
  }

  /** Removes and returns every key whose time is `now` or earlier. */
  popExpired(now: number): string[] {
    const expired: string[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Entry).at <= now) {
      expired.push(this.popMin().key);
    }
    return expired;
  }

  private popMin(): Entry {
    const heap = this.heap;
    const min = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return min;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Entry).at < (heap[left] as Entry).at ? right : left;
      if ((heap[child] as Entry).at >= last.at) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
    return min;
  }
}
