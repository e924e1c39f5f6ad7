package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32;

import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeLibrary;

/**
 * The libbpf the agent jar carries, with libelf and zlib: Debian 12's (bpf/bundle-libraries, versions in
 * {@code native/VERSIONS}), for x86_64 and aarch64 hosts with glibc 2.33 or later (libelf's newest versioned
 * symbol; libbpf needs 2.28, zlib 2.14). They are written once per version into a directory of the user's own,
 * {@code java.io.tmpdir/tcplife-UID/libbpf-VERSION-CRC/}, its {@code VERSIONS} file (the packages and the
 * libraries' SHA-256) written last, so that a later start that finds it whole reads nothing more of the jar; and
 * opened by path, dependencies first: the dynamic loader satisfies
 * libbpf's NEEDED libelf.so.1 and libz.so.1 with copies already loaded, so the system's library path is never
 * touched, and a host without libbpf needs nothing installed.
 */
final class BundledLibbpf {
    static final String VERSION = "1.1.2";
    private static final String RESOURCES = "/dev/tcplife/jfr/bpf/native/";
    private static final String VERSIONS = "VERSIONS";
    /** Dependencies first. */
    private static final String[] LIBRARIES = {"libz.so.1", "libelf.so.1", "libbpf.so.1"};
    private static final int[] OLDEST_GLIBC = {2, 33};
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    /** Held so that nothing unloads them while libbpf uses them. */
    private static NativeLibrary[] opened;

    private BundledLibbpf() {
    }

    /**
     * The bundled libbpf, opened.
     *
     * @throws UnsatisfiedLinkError saying in a few words why it cannot serve this host
     */
    static synchronized NativeLibrary open(LibC libc) {
        String platform = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64" -> "linux-aarch64";
            default -> throw new UnsatisfiedLinkError("none is bundled for " + System.getProperty("os.arch"));
        };
        String glibc = libc.glibcVersion();
        if (glibc == null) {
            throw new UnsatisfiedLinkError("this is no glibc host (musl?)");
        }
        if (older(glibc, OLDEST_GLIBC)) {
            throw new UnsatisfiedLinkError("glibc " + glibc + " is older than 2.33");
        }
        try {
            byte[] versions = resource(VERSIONS);
            CRC32 crc = new CRC32();
            crc.update(versions);
            Path dir = privateDirectory(Path.of(System.getProperty("java.io.tmpdir"), "tcplife-" + uid()))
                    .resolve("libbpf-" + VERSION + "-" + Long.toHexString(crc.getValue()));
            privateDirectory(dir);
            Path done = dir.resolve(VERSIONS);
            if (!Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS) || !Arrays.equals(Files.readAllBytes(done), versions)) {
                for (String library : LIBRARIES) {
                    written(dir.resolve(library), resource(platform + "/" + library));
                }
                written(done, versions);
            }
            NativeLibrary[] libraries = new NativeLibrary[LIBRARIES.length];
            for (int i = 0; i < LIBRARIES.length; i++) {
                libraries[i] = NativeLibrary.open(dir.resolve(LIBRARIES[i]).toString());
            }
            opened = libraries;
            return libraries[libraries.length - 1];
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("it could not be written out: " + e);
        }
    }

    /** Whether glibc {@code version} ("2.36") is older than {@code oldest}. */
    static boolean older(String version, int[] oldest) {
        String[] parts = version.split("\\.");
        for (int i = 0; i < oldest.length; i++) {
            int part = i < parts.length && parts[i].matches("\\d+") ? Integer.parseInt(parts[i]) : 0;
            if (part != oldest[i]) {
                return part < oldest[i];
            }
        }
        return false;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundledLibbpf.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException(name + " is missing from the agent jar");
            }
            return in.readAllBytes();
        }
    }

    /**
     * {@code dir}, created for this user alone if it is not there; one that is there must be a directory of this
     * user's that nobody else can write, not a link: nobody else may put a library where the agent loads one.
     */
    private static Path privateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException there) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    || ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue() != uid()
                    || !Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(PRIVATE)) {
                throw new IOException(dir + " is not a directory of this user's alone");
            }
        }
        return dir;
    }

    /** Writes {@code file} anew, atomically: a reader finds the old one or the new one, never a part. */
    private static void written(Path file, byte[] bytes) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        Files.write(partial, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static long uid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    }
}
