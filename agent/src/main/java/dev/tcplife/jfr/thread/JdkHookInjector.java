package dev.tcplife.jfr.thread;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.SimpleRemapper;

/**
 * Puts {@link SocketHooks} where the JDK's socket classes can call it: a copy named {@value #HOOKS_CLASS},
 * defined in java.base's sun.nio.ch package (opened to the agent beforehand, see {@link SocketFds#open}), which
 * the calls that {@link JdkSocketInstrumentation} inserts name. Once defined, the copy stays for the JVM's life; a
 * later agent start reuses it.
 */
final class JdkHookInjector {
    static final String HOOKS_CLASS = "sun.nio.ch.TcplifeSocketHooks";
    private static final String PACKAGE_MEMBER = "sun.nio.ch.Net";

    private final Class<?> hooks;

    private JdkHookInjector(Class<?> hooks) {
        this.hooks = hooks;
    }

    static JdkHookInjector inject() throws ReflectiveOperationException, IOException {
        Class<?> hooks;
        try {
            hooks = Class.forName(HOOKS_CLASS, false, null);
        } catch (ClassNotFoundException firstStart) {
            MethodHandles.Lookup javaBase = MethodHandles.privateLookupIn(Class.forName(PACKAGE_MEMBER), MethodHandles.lookup());
            hooks = javaBase.defineClass(copyOf(SocketHooks.class, HOOKS_CLASS.replace('.', '/')));
        }
        return new JdkHookInjector(hooks);
    }

    /** Points the hooks at the agent's listeners, or at nothing with nulls. */
    void setListeners(Consumer<Object> onConnect, BiConsumer<Object, Object> onAccept, Consumer<Object> onAcceptRequest)
            throws ReflectiveOperationException {
        hooks.getField("onConnect").set(null, onConnect);
        hooks.getField("onAccept").set(null, onAccept);
        hooks.getField("onAcceptRequest").set(null, onAcceptRequest);
    }

    /** A copy of {@code template}'s class file, renamed {@code internalName}: a hooks class for another place. */
    static byte[] copyOf(Class<?> template, String internalName) throws IOException {
        ClassReader reader = new ClassReader(classFile(template));
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassRemapper(writer,
                new SimpleRemapper(template.getName().replace('.', '/'), internalName)), 0);
        return writer.toByteArray();
    }

    private static byte[] classFile(Class<?> type) throws IOException {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("class file of " + type.getName() + " not found");
            }
            return in.readAllBytes();
        }
    }
}
