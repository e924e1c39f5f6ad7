package dev.tcplife.jfr.boot;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the agent's implementation and its third-party libraries from {@value #PREFIX} inside the agent jar.
 *
 * <p>No class loader of the application can see these classes, and their parent is the platform class loader,
 * so the application's own copies of the same libraries (jffi, Byte Buddy) never meet ours.
 * The third-party packages are also relocated at build time; jffi keeps its package because its native
 * library binds to it by name, and this loader is what keeps it apart.
 */
final class AgentClassLoader extends ClassLoader {
    static final String PREFIX = "TCPLIFE-INF/classes/";

    static {
        registerAsParallelCapable();
    }

    private final File jarFile;
    private final JarFile jar;
    private final String jarUrl;
    private final ProtectionDomain protectionDomain;
    /** Whether {@link NativeModule} is defined: on the first request for one of its classes. */
    private volatile boolean nativeModuleDefined;

    /**
     * The agent's class loader for the agent jar {@code jarFile}, its native layer in a module of its own (see
     * {@link NativeModule}).
     */
    AgentClassLoader(File jarFile) throws IOException {
        super("tcplife", ClassLoader.getPlatformClassLoader());
        this.jarFile = jarFile;
        this.jar = new JarFile(jarFile, false);
        this.jarUrl = jarFile.toURI().toURL().toString();
        URL location = jarFile.toURI().toURL();
        this.protectionDomain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
    }

    /** The Attach API lives in the application class loader's jdk.attach module; the CLI's attach needs it. */
    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("com.sun.tools.attach.")) {
            return ClassLoader.getSystemClassLoader().loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        int lastDot = name.lastIndexOf('.');
        String packageName = lastDot > 0 ? name.substring(0, lastDot) : "";
        if (!nativeModuleDefined && NativeModule.PACKAGES.contains(packageName)) {
            defineNativeModule();
        }
        // String.concat, not +: the first + of a JVM bootstraps invokedynamic's string concatenation (some 15 ms),
        // which a command line tool that concatenates nothing itself would pay here, on its first class.
        JarEntry entry = jar.getJarEntry(PREFIX.concat(name.replace('.', '/')).concat(".class"));
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
            // The size is known: one array, no growing copies (the agent loads a few thousand classes).
            bytes = in.readNBytes((int) entry.getSize());
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        if (lastDot > 0) {
            if (getDefinedPackage(packageName) == null) {
                try {
                    definePackage(packageName, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // another thread defined it first
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length, protectionDomain);
    }

    /**
     * Defines {@link NativeModule} before the first of its classes, and only then: the command line tools that never
     * call native code ({@code print}, say) are spared the module layer's set-up, tens of milliseconds of start-up.
     */
    private synchronized void defineNativeModule() {
        if (!nativeModuleDefined) {
            NativeModule.define(this, jarFile.toURI());
            nativeModuleDefined = true;
        }
    }

    /** Classes of {@link NativeModule}: the JVM asks for them by module once the module is defined. */
    @Override
    protected Class<?> findClass(String moduleName, String name) {
        if (moduleName != null && !moduleName.equals(NativeModule.NAME)) {
            return null;
        }
        try {
            return findClass(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** Resources of {@link NativeModule} (jffi's stub libraries), as of the unnamed module: from the jar. */
    @Override
    protected URL findResource(String moduleName, String name) {
        return moduleName == null || moduleName.equals(NativeModule.NAME) ? findResource(name) : null;
    }

    @Override
    protected URL findResource(String name) {
        if (jar.getJarEntry(PREFIX + name) == null) {
            return null;
        }
        try {
            return new URL("jar:" + jarUrl + "!/" + PREFIX + name);
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(Collections.singletonList(url));
    }
}
