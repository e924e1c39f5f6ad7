package dev.tcplife.jfr.record;

/**
 * The text of the last few addresses formatted, by their compact form ({@link InetAddresses}). A JVM talks to few
 * distinct addresses, and every record names two: without this, each record would format both anew, two
 * StringBuilders and two Strings per record for the same few texts. Bounded: a full table replaces its oldest
 * entry, so a JVM with many peers pays a short scan and the formatting it would have paid anyway.
 *
 * <p>Safe for concurrent use without locking: entries are immutable and replaced whole, so a reader sees an old
 * entry or a new one, never a mix; a race loses at most an entry, which the next miss makes again.
 */
final class AddressTexts {
    private record Entry(long high, long low, String text) {
    }

    private final Entry[] entries;
    private int next;

    AddressTexts(int size) {
        entries = new Entry[size];
    }

    /** {@link InetAddresses#format(long, long)}, the same String for the same address while it stays in the table. */
    String text(long high, long low) {
        Entry[] table = entries;
        for (Entry entry : table) {
            if (entry != null && entry.low == low && entry.high == high) {
                return entry.text;
            }
        }
        String text = InetAddresses.format(high, low);
        int slot = next;
        table[slot] = new Entry(high, low, text);
        next = slot + 1 == table.length ? 0 : slot + 1;
        return text;
    }
}
