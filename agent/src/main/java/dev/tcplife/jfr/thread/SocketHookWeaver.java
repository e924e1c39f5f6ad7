package dev.tcplife.jfr.thread;

import java.util.List;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Inserts the agent's socket hooks into a class file: one static call into a hooks class, at a method's entry or
 * before its returns, with ASM (Byte Buddy's repackaged copy, which follows the JDK's class file versions). No
 * branch is added, so the methods' stack map frames stay valid, and no class changes shape.
 */
final class SocketHookWeaver {
    private static final String OBJECT = "(Ljava/lang/Object;)V";
    private static final String OBJECT_OBJECT = "(Ljava/lang/Object;Ljava/lang/Object;)V";
    private static final String INT = "(I)V";

    /** Where a hook goes, and with what; each calls the hooks class's method of the same name as the comment. */
    enum Hook {
        /** On entry to a connect: {@code connecting(this)}, before the SYN goes out. */
        CONNECT("connecting", OBJECT),
        /** On return from {@code NioSocketImpl.accept(SocketImpl)}: {@code accepted(argument, this)}. */
        ACCEPT_INTO_ARGUMENT("accepted", OBJECT_OBJECT),
        /** On return from a server channel's {@code finishAccept(...)}: {@code accepted(returned, this)}. */
        ACCEPT_RETURNED("accepted", OBJECT_OBJECT),
        /** On entry to an asynchronous accept: {@code acceptRequested(this)}, the thread that asked. */
        ACCEPT_REQUEST("acceptRequested", OBJECT),
        /** On return from a native accept that returns the new descriptor: {@code accepted(fd)}, -1 if none. */
        ACCEPTED_DESCRIPTOR_RETURNED("accepted", INT);

        final String method;
        final String descriptor;

        Hook(String method, String descriptor) {
            this.method = method;
            this.descriptor = descriptor;
        }
    }

    /** A method by name and, where overloads differ, the start of its descriptor (null: any). */
    record Target(String name, String descriptorPrefix, Hook hook) {
        boolean matches(String methodName, String descriptor) {
            return name.equals(methodName) && (descriptorPrefix == null || descriptor.startsWith(descriptorPrefix));
        }
    }

    private SocketHookWeaver() {
    }

    /** {@code classFile} with a call into {@code hooksClass} (an internal name) in each target instance method. */
    static byte[] weave(byte[] classFile, List<Target> targets, String hooksClass) {
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
                        return new HookCall(method, target.hook(), descriptor, hooksClass);
                    }
                }
                return method;
            }
        }, 0);
        return writer.toByteArray();
    }

    /** Inserts one hook into one method. */
    private static final class HookCall extends MethodVisitor {
        private final Hook hook;
        private final int returnSort;
        private final String hooksClass;

        HookCall(MethodVisitor method, Hook hook, String descriptor, String hooksClass) {
            super(Opcodes.ASM9, method);
            this.hook = hook;
            this.returnSort = Type.getReturnType(descriptor).getSort();
            this.hooksClass = hooksClass;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            if (hook == Hook.CONNECT || hook == Hook.ACCEPT_REQUEST) {
                super.visitVarInsn(Opcodes.ALOAD, 0);
                call();
            }
        }

        @Override
        public void visitInsn(int opcode) {
            if (hook == Hook.ACCEPT_INTO_ARGUMENT && opcode == Opcodes.RETURN) {
                super.visitVarInsn(Opcodes.ALOAD, 1);
                super.visitVarInsn(Opcodes.ALOAD, 0);
                call();
            } else if (hook == Hook.ACCEPT_RETURNED && opcode == Opcodes.ARETURN && returnSort == Type.OBJECT) {
                super.visitInsn(Opcodes.DUP);
                super.visitVarInsn(Opcodes.ALOAD, 0);
                call();
            } else if (hook == Hook.ACCEPTED_DESCRIPTOR_RETURNED && opcode == Opcodes.IRETURN && returnSort == Type.INT) {
                super.visitInsn(Opcodes.DUP);
                call();
            }
            super.visitInsn(opcode);
        }

        private void call() {
            super.visitMethodInsn(Opcodes.INVOKESTATIC, hooksClass, hook.method, hook.descriptor, false);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 2, maxLocals); // the hook's two arguments at most
        }
    }
}
