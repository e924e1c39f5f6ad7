package dev.tcplife.jfr.os;

import java.util.Map;

/** Names for the errno values the agent reports, as in {@code errno.h}. */
public final class Errno {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM"),
            Map.entry(2, "ENOENT"),
            Map.entry(3, "ESRCH"),
            Map.entry(7, "E2BIG"),
            Map.entry(12, "ENOMEM"),
            Map.entry(13, "EACCES"),
            Map.entry(16, "EBUSY"),
            Map.entry(22, "EINVAL"),
            Map.entry(28, "ENOSPC"),
            Map.entry(32, "EPIPE"),
            Map.entry(38, "ENOSYS"),
            Map.entry(95, "EOPNOTSUPP"),
            Map.entry(101, "ENETUNREACH"),
            Map.entry(103, "ECONNABORTED"),
            Map.entry(104, "ECONNRESET"),
            Map.entry(110, "ETIMEDOUT"),
            Map.entry(111, "ECONNREFUSED"),
            Map.entry(113, "EHOSTUNREACH"),
            Map.entry(524, "ENOTSUPP"));

    private Errno() {
    }

    /** The symbolic name of {@code errno}, or "errno N" for one without a name here. */
    public static String name(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
