package dev.tcplife.jfr.thread;

/**
 * The threads that accepted connections the kernel has not reported yet, by {@link AcceptedSocket}: a hash table of
 * the agent's own rather than a JDK map, because the JDK's accept fills it on the application's thread. A JDK map
 * shares its compiled code and its type profiles with the application's maps: the agent's keys and its
 * LinkedHashMap's nodes made the JIT deoptimize HashMap.put on the accepting thread, and widened the profiles the
 * application's own maps are compiled with. Here an accept adds one entry and calls nothing virtual.
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
        Entry next;

        Entry(AcceptedSocket key, int hash, SocketOwner owner, Entry next) {
            this.key = key;
            this.hash = hash;
            this.owner = owner;
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

        void put(AcceptedSocket key, int hash, SocketOwner owner) {
            remove(hash, key.localPort, key.addressHigh, key.addressLow, key.remotePort);
            if (size >= buckets.length && buckets.length < maxBuckets) {
                grow();
            }
            int index = hash & (buckets.length - 1);
            buckets[index] = new Entry(key, hash, owner, buckets[index]);
            size++;
        }

        SocketOwner remove(int hash, int localPort, long addressHigh, long addressLow, int remotePort) {
            int index = hash & (buckets.length - 1);
            Entry previous = null;
            for (Entry e = buckets[index]; e != null; previous = e, e = e.next) {
                if (e.is(hash, localPort, addressHigh, addressLow, remotePort)) {
                    if (previous == null) {
                        buckets[index] = e.next;
                    } else {
                        previous.next = e.next;
                    }
                    size--;
                    return e.owner;
                }
            }
            return null;
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

    /** Notes {@code owner} as the thread that accepted {@code key}; an earlier entry for it is replaced. */
    void put(AcceptedSocket key, SocketOwner owner) {
        int hash = spread(key.hashCode());
        older.remove(hash, key.localPort, key.addressHigh, key.addressLow, key.remotePort);
        if (newer.size >= generationSize
                && newer.remove(hash, key.localPort, key.addressHigh, key.addressLow, key.remotePort) == null) {
            older = newer;
            newer = new Generation(generationSize);
        }
        newer.put(key, hash, owner);
    }

    /**
     * The thread that accepted the connection of these ports and peer, which is forgotten; null if none was noted
     * or it was dropped. By the key's parts, as the kernel's record gives them: a key made only to be compared
     * would be an allocation per server session.
     */
    SocketOwner remove(int localPort, long addressHigh, long addressLow, int remotePort) {
        int hash = spread(AcceptedSocket.hash(localPort, addressHigh, addressLow, remotePort));
        SocketOwner owner = newer.remove(hash, localPort, addressHigh, addressLow, remotePort);
        return owner != null ? owner : older.remove(hash, localPort, addressHigh, addressLow, remotePort);
    }

    int size() {
        return newer.size + older.size;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
