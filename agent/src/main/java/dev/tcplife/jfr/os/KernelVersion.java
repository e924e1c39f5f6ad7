package dev.tcplife.jfr.os;

/** A kernel release's leading numbers, as in {@code uname -r}: "6.18.44-generic" is 6.18.44. */
public record KernelVersion(int major, int minor, int patch) implements Comparable<KernelVersion> {

    public static KernelVersion parse(String release) {
        int[] parts = new int[3];
        int part = 0;
        for (int i = 0; i < release.length() && part < 3; i++) {
            char c = release.charAt(i);
            if (Character.isDigit(c)) {
                parts[part] = parts[part] * 10 + (c - '0');
            } else if (c == '.') {
                part++;
            } else {
                break;
            }
        }
        return new KernelVersion(parts[0], parts[1], parts[2]);
    }

    @Override
    public int compareTo(KernelVersion other) {
        int byMajor = Integer.compare(major, other.major);
        if (byMajor != 0) {
            return byMajor;
        }
        int byMinor = Integer.compare(minor, other.minor);
        return byMinor != 0 ? byMinor : Integer.compare(patch, other.patch);
    }
}
