package dev.tcplife.jfr.record;

/**
 * Raw addresses in the compact form the agent matches and formats them in, and their text: dotted IPv4 and RFC 5952
 * IPv6 ("::1", not "0:0:0:0:0:0:0:1" as the JDK writes).
 *
 * <p>The compact form is an address's 16 bytes as two big-endian longs, {@code high} (bytes 0-7) and {@code low}
 * (bytes 8-15), an IPv4 address IPv4-mapped ({@code ::ffff:a.b.c.d}, high 0). The JDK and the kernel's record give
 * the same peer the same two longs, whether it reached the JVM as IPv4 or IPv4-mapped on a dual-stack socket,
 * and both are made without allocating.
 */
public final class InetAddresses {
    /** The upper half of an IPv4-mapped address's low 64 bits: {@code ::ffff:0:0}. */
    private static final long V4_MAPPED = 0xffffL << 32;

    private InetAddresses() {
    }

    /** The high long of 4 bytes (IPv4, then IPv4-mapped) or 16 bytes (IPv6). */
    public static long high(byte[] address) {
        return switch (address.length) {
            case 4 -> 0;
            case 16 -> bytesToLong(address, 0, 8);
            default -> throw new IllegalArgumentException("not an address of 4 or 16 bytes: " + address.length);
        };
    }

    /** The low long of 4 bytes (IPv4, then IPv4-mapped) or 16 bytes (IPv6). */
    public static long low(byte[] address) {
        return switch (address.length) {
            case 4 -> v4MappedLow((int) bytesToLong(address, 0, 4));
            case 16 -> bytesToLong(address, 8, 8);
            default -> throw new IllegalArgumentException("not an address of 4 or 16 bytes: " + address.length);
        };
    }

    /** The low long of IPv4 address {@code ipv4} (a.b.c.d as {@code a << 24 | ...}), IPv4-mapped; its high long is 0. */
    public static long v4MappedLow(int ipv4) {
        return V4_MAPPED | Integer.toUnsignedLong(ipv4);
    }

    /** Whether the address is IPv4-mapped ({@code ::ffff:a.b.c.d}): an IPv4 address, which its low 32 bits hold. */
    public static boolean isV4Mapped(long high, long low) {
        return high == 0 && (low & 0xffff_ffff_0000_0000L) == V4_MAPPED;
    }

    /** Dotted IPv4 for an IPv4-mapped address, RFC 5952 IPv6 otherwise; without name lookups. */
    public static String format(long high, long low) {
        if (isV4Mapped(high, low)) {
            int ipv4 = (int) low;
            return (ipv4 >>> 24) + "." + (ipv4 >>> 16 & 0xff) + "." + (ipv4 >>> 8 & 0xff) + "." + (ipv4 & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            groups[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static long bytesToLong(byte[] bytes, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = value << 8 | (bytes[i] & 0xff);
        }
        return value;
    }
}
