package dev.tcplife.jfr.thread;

/**
 * The threads that accepted connections the kernel has not reported yet, by {@link AcceptedSocket}: a hash table of
 * the agent's own rather than a JDK map, because the JDK's accept fills it on the application's thread. A JDK map
 * shares its compiled code and its type profiles with the application's maps: the agent's keys and its
 * LinkedHashMap's nodes made the JIT deoptimize HashMap.put on the accepting thread, and widened the profiles the
 * application's own maps are compiled with. Here an accept adds one entry and calls nothing virtual.
 *
 * <p>A name comes back: a client's ephemeral port is reused within seconds under churn, sooner than the reader may
 * claim the earlier connection of that name when it falls behind. So a name may have several entries, each with
 * when it was accepted, and a session claims the oldest accepted after the kernel created its socket: its own,
 * not a later one's, nor an earlier one the kernel never reported (say, while no recording wanted sessions).
 *
 * <p>Bounded: entries live in two generations of at most {@code generationSize} each. Connections are claimed
 * within milliseconds, so a generation fills up only with connections the kernel never reported; when the newer
 * one is full, the older one is dropped and the newer takes its place. Not thread-safe: the caller locks.
 */
final class AcceptedSockets {
    private static final int INITIAL_BUCKETS = 64;

    /** One accepted connection not claimed yet. */
    private static final class Entry {
        final AcceptedSocket key;
        final int hash;
        final SocketOwner owner;
        /** When the accept returned, in the kernel's CLOCK_MONOTONIC. */
        final long acceptedNanos;
        Entry next;

        Entry(AcceptedSocket key, int hash, SocketOwner owner, long acceptedNanos, Entry next) {
            this.key = key;
            this.hash = hash;
            this.owner = owner;
            this.acceptedNanos = acceptedNanos;
            this.next = next;
        }

        boolean is(int otherHash, int localPort, long addressHigh, long addressLow, int remotePort) {
            return hash == otherHash && key.is(localPort, addressHigh, addressLow, remotePort);
        }
    }

    /** A chained hash table whose buckets double with its entries, up to one bucket per entry of a full generation. */
    private static final class Generation {
        private final int maxBuckets;
        private Entry[] buckets = new Entry[INITIAL_BUCKETS];
        int size;

        Generation(int generationSize) {
            this.maxBuckets = Math.max(INITIAL_BUCKETS, Integer.highestOneBit(Math.max(1, generationSize - 1)) << 1);
        }

        void put(AcceptedSocket key, int hash, SocketOwner owner, long acceptedNanos) {
            if (size >= buckets.length && buckets.length < maxBuckets) {
                grow();
            }
            int index = hash & (buckets.length - 1);
            buckets[index] = new Entry(key, hash, owner, acceptedNanos, buckets[index]);
            size++;
        }

        /**
         * Removes the oldest entry of this name accepted at {@code createdNanos} or later: its chain holds the newest
         * first, so the last such entry in it.
         */
        SocketOwner remove(int hash, int localPort, long addressHigh, long addressLow, int remotePort,
                long createdNanos) {
            int index = hash & (buckets.length - 1);
            Entry found = null;
            Entry beforeFound = null;
            for (Entry e = buckets[index], previous = null; e != null; previous = e, e = e.next) {
                if (e.acceptedNanos >= createdNanos && e.is(hash, localPort, addressHigh, addressLow, remotePort)) {
                    found = e;
                    beforeFound = previous;
                }
            }
            if (found == null) {
                return null;
            }
            if (beforeFound == null) {
                buckets[index] = found.next;
            } else {
                beforeFound.next = found.next;
            }
            size--;
            return found.owner;
        }

        private void grow() {
            Entry[] larger = new Entry[buckets.length * 2];
            for (Entry head : buckets) {
                for (Entry e = head; e != null; ) {
                    Entry next = e.next;
                    int index = e.hash & (larger.length - 1);
                    e.next = larger[index];
                    larger[index] = e;
                    e = next;
                }
            }
            buckets = larger;
        }
    }

    private final int generationSize;
    private Generation newer;
    private Generation older;

    /** At most {@code 2 * generationSize} entries at a time. */
    AcceptedSockets(int generationSize) {
        this.generationSize = generationSize;
        this.newer = new Generation(generationSize);
        this.older = new Generation(generationSize);
    }

    /** Notes {@code owner} as the thread that accepted {@code key} at {@code acceptedNanos} (CLOCK_MONOTONIC). */
    void put(AcceptedSocket key, SocketOwner owner, long acceptedNanos) {
        if (newer.size >= generationSize) {
            older = newer;
            newer = new Generation(generationSize);
        }
        newer.put(key, spread(key.hashCode()), owner, acceptedNanos);
    }

    /**
     * The thread that accepted the connection of these ports and peer whose socket the kernel created at
     * {@code createdNanos} (CLOCK_MONOTONIC; {@link Long#MIN_VALUE} when unknown: any entry of the name), which
     * is forgotten; null if none was noted or it was dropped. By the key's parts, as the kernel's record gives them:
     * a key made only to be compared would be an allocation per server session.
     */
    SocketOwner remove(int localPort, long addressHigh, long addressLow, int remotePort, long createdNanos) {
        int hash = spread(AcceptedSocket.hash(localPort, addressHigh, addressLow, remotePort));
        SocketOwner owner = older.remove(hash, localPort, addressHigh, addressLow, remotePort, createdNanos);
        return owner != null ? owner : newer.remove(hash, localPort, addressHigh, addressLow, remotePort, createdNanos);
    }

    int size() {
        return newer.size + older.size;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
