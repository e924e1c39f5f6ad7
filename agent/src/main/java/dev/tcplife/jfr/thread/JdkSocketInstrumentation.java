package dev.tcplife.jfr.thread;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Instruments the JDK's socket implementations so that {@link SocketOwners} learns which Java thread connected
 * or accepted each socket. Every TCP connect and accept of the JDK goes through these methods (JDK 17 to 25):
 *
 * <ul>
 *   <li>{@code sun.nio.ch.NioSocketImpl}: {@code java.net.Socket} and {@code ServerSocket};
 *   <li>{@code sun.nio.ch.SocketChannelImpl} and {@code ServerSocketChannelImpl}: NIO channels, blocking or not,
 *       their socket adaptors, and {@code java.net.http.HttpClient};
 *   <li>{@code sun.nio.ch.UnixAsynchronousSocketChannelImpl} and {@code UnixAsynchronousServerSocketChannelImpl}.
 * </ul>
 *
 * <p>Each hook is one static call into {@link SocketHooks} (its copy in java.base), inserted at a method's entry or
 * before its returns with ASM: Byte Buddy's repackaged copy, which follows the JDK's class file versions. No more
 * is needed, and so registering costs nothing at JVM start: the JVM hands the classes over as it loads them,
 * usually after {@code main} began, and ones already loaded (on attach) are retransformed at once. No class
 * changes shape; {@link #close()} restores the original code.
 */
public final class JdkSocketInstrumentation implements ClassFileTransformer, AutoCloseable {
    private static final String HOOKS = JdkHookInjector.HOOKS_CLASS.replace('.', '/');
    private static final String ON_CONNECT = "connecting";
    private static final String ON_ACCEPT = "accepted";
    private static final String ON_ACCEPT_REQUEST = "acceptRequested";

    /** Where a hook goes, and with what. */
    private enum Hook {
        /** On entry to a connect: {@code connecting(this)}, before the SYN goes out. */
        CONNECT,
        /** On return from {@code NioSocketImpl.accept(SocketImpl)}: {@code accepted(argument, this)}. */
        ACCEPT_INTO_ARGUMENT,
        /** On return from a server channel's {@code finishAccept(...)}: {@code accepted(returned, this)}. */
        ACCEPT_RETURNED,
        /** On entry to an asynchronous accept: {@code acceptRequested(this)}, the thread that asked. */
        ACCEPT_REQUEST
    }

    /** A method by name and, where overloads differ, argument types (null: any). */
    private record Target(String name, String arguments, Hook hook) {
        boolean matches(String methodName, String descriptor) {
            if (!name.equals(methodName)) {
                return false;
            }
            return arguments == null || descriptor.startsWith("(" + arguments + ")");
        }
    }

    /** By internal class name, the methods to hook. */
    private static final Map<String, List<Target>> TARGETS = Map.of(
            "sun/nio/ch/NioSocketImpl", List.of(
                    new Target("connect", "Ljava/net/SocketAddress;I", Hook.CONNECT),
                    new Target("accept", "Ljava/net/SocketImpl;", Hook.ACCEPT_INTO_ARGUMENT)),
            "sun/nio/ch/SocketChannelImpl", List.of(
                    new Target("connect", "Ljava/net/SocketAddress;", Hook.CONNECT),
                    new Target("blockingConnect", null, Hook.CONNECT)),
            "sun/nio/ch/ServerSocketChannelImpl", List.of(
                    new Target("finishAccept", null, Hook.ACCEPT_RETURNED)),
            "sun/nio/ch/UnixAsynchronousSocketChannelImpl", List.of(
                    new Target("implConnect", null, Hook.CONNECT)),
            "sun/nio/ch/UnixAsynchronousServerSocketChannelImpl", List.of(
                    new Target("implAccept", null, Hook.ACCEPT_REQUEST),
                    new Target("finishAccept", null, Hook.ACCEPT_RETURNED)));

    private final Instrumentation instrumentation;
    private final JdkHookInjector hooks;
    private final Consumer<String> problems;

    private JdkSocketInstrumentation(Instrumentation instrumentation, JdkHookInjector hooks, Consumer<String> problems) {
        this.instrumentation = instrumentation;
        this.hooks = hooks;
        this.problems = problems;
    }

    /**
     * Instruments the JDK's socket classes so that they report to {@code owners}: those loaded later as they load,
     * those loaded already at once.
     *
     * @param problems told, in a sentence, of a class that could not be instrumented: its API then goes without
     *     the Java thread from its calls, nothing else
     * @throws ReflectiveOperationException or IOException when the hooks cannot be placed in java.base
     */
    public static JdkSocketInstrumentation install(Instrumentation instrumentation, SocketOwners owners,
            Consumer<String> problems) throws ReflectiveOperationException, java.io.IOException {
        JdkHookInjector hooks = JdkHookInjector.inject();
        hooks.setListeners(owners::connecting, owners::accepted, owners::acceptRequested);
        JdkSocketInstrumentation transformer = new JdkSocketInstrumentation(instrumentation, hooks, problems);
        instrumentation.addTransformer(transformer, true);
        transformer.retransformLoaded();
        return transformer;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classFile) {
        // The JDK's socket classes are the bootstrap loader's: a map lookup by name rejects every other class.
        List<Target> targets = loader == null && className != null ? TARGETS.get(className) : null;
        if (targets == null) {
            return null;
        }
        try {
            return instrument(classFile, targets);
        } catch (RuntimeException | LinkageError e) {
            problems.accept("cannot instrument " + className.replace('/', '.')
                    + ", its sessions will have no Java thread from the JDK's calls: " + e);
            return null;
        }
    }

    /** The class file with a hook in each target method. */
    static byte[] instrument(byte[] classFile, List<Target> targets) {
        ClassReader reader = new ClassReader(classFile);
        // The reader is handed on: the methods left alone are copied as they are, constant pool and all.
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor method = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    return method;
                }
                for (Target target : targets) {
                    if (target.matches(name, descriptor)) {
                        return new HookCall(method, target.hook(), descriptor);
                    }
                }
                return method;
            }
        }, 0);
        return writer.toByteArray();
    }

    /** Inserts one hook into one method. No branch is added, so the method's stack map frames stay valid. */
    private static final class HookCall extends MethodVisitor {
        private static final String OBJECT = "(Ljava/lang/Object;)V";
        private static final String OBJECT_OBJECT = "(Ljava/lang/Object;Ljava/lang/Object;)V";

        private final Hook hook;
        private final boolean returnsObject;

        HookCall(MethodVisitor method, Hook hook, String descriptor) {
            super(Opcodes.ASM9, method);
            this.hook = hook;
            this.returnsObject = Type.getReturnType(descriptor).getSort() == Type.OBJECT;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            if (hook == Hook.CONNECT || hook == Hook.ACCEPT_REQUEST) {
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, hook == Hook.CONNECT ? ON_CONNECT : ON_ACCEPT_REQUEST,
                        OBJECT, false);
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (hook == Hook.ACCEPT_INTO_ARGUMENT && opcode == Opcodes.RETURN) {
                super.visitVarInsn(Opcodes.ALOAD, 1);
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, ON_ACCEPT, OBJECT_OBJECT, false);
            } else if (hook == Hook.ACCEPT_RETURNED && opcode == Opcodes.ARETURN && returnsObject) {
                super.visitInsn(Opcodes.DUP);
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, ON_ACCEPT, OBJECT_OBJECT, false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 2, maxLocals); // the hook's two arguments at most
        }
    }

    /** The targets that are loaded already (on attach; at JVM start usually none) are rewritten now. */
    private void retransformLoaded() {
        Class<?>[] loaded = loadedTargets();
        if (loaded.length == 0) {
            return;
        }
        try {
            instrumentation.retransformClasses(loaded);
        } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
            problems.accept("cannot instrument the JDK's socket classes, sessions will have no Java thread from"
                    + " the JDK's calls: " + e);
        }
    }

    private Class<?>[] loadedTargets() {
        return Arrays.stream(instrumentation.getAllLoadedClasses())
                .filter(type -> type.getClassLoader() == null && TARGETS.containsKey(type.getName().replace('.', '/')))
                .toArray(Class<?>[]::new);
    }

    /** Silences the hooks and gives the JDK's classes their original code back. */
    @Override
    public void close() {
        try {
            hooks.setListeners(null, null, null);
        } catch (ReflectiveOperationException e) {
            problems.accept("could not silence the JDK socket hooks: " + e);
        }
        instrumentation.removeTransformer(this);
        Class<?>[] loaded = loadedTargets();
        if (loaded.length > 0) {
            try {
                instrumentation.retransformClasses(loaded); // without this transformer: the original code
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                problems.accept("could not restore the JDK's socket classes: " + e);
            }
        }
    }
}
